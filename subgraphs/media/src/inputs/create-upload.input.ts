import { Field, ID, InputType, Int } from 'type-graphql';

@InputType('CreateUploadInput')
export class CreateUploadInput {
  @Field((_type) => ID, {
    nullable: true,
    description:
      'Where the file will be sent; omit it for a profile picture or a story (then visible to the people who share a conversation with the uploader).',
  })
  conversationId?: string | null;

  @Field((_type) => String)
  filename!: string;

  @Field((_type) => String, { description: 'The declared type; the file’s own bytes must agree.' })
  mimeType!: string;

  @Field((_type) => Int, { description: 'The file’s size; above the limit for its kind the ticket is refused (FILE_TOO_LARGE).' })
  bytes!: number;
}
