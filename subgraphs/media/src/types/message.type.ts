import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Chat owns `Message` and the ids of its attachments; media resolves them into `attachments`. */
@ObjectType('Message')
@Directive('@key(fields: "id")')
export class Message {
  @Field((_type) => ID)
  id!: string;

  @Field((_type) => [ID])
  @Directive('@external')
  mediaIds?: string[];
}
