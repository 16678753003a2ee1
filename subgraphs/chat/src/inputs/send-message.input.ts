import { Field, ID, InputType } from 'type-graphql';

@InputType('SendMessageInput')
export class SendMessageInput {
  @Field((_type) => ID)
  conversationId!: string;

  /** The sender's idempotency key: sending the same one again returns the first message. */
  @Field((_type) => String)
  clientId!: string;

  /** Required unless files are attached. */
  @Field((_type) => String, { nullable: true })
  text?: string | null;

  /** Files uploaded by the sender for this conversation (createUpload), in order: at most 10, each once. */
  @Field((_type) => [ID], { nullable: true })
  mediaIds?: string[] | null;

  /** The message this one answers: one of the same conversation, not deleted. */
  @Field((_type) => ID, { nullable: true })
  replyToId?: string | null;
}
