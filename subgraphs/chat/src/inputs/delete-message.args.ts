import { ArgsType, Field, ID } from 'type-graphql';

/** `deleteMessage(id, forEveryone)`. */
@ArgsType()
export class DeleteMessageArgs {
  @Field((_type) => ID)
  id!: string;

  /** false: hide the message for the viewer only. */
  @Field((_type) => Boolean, { nullable: true, defaultValue: true })
  forEveryone?: boolean | null;
}
