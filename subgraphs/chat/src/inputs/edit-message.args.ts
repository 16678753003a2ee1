import { ArgsType, Field, ID } from 'type-graphql';

/** `editMessage(id, text)`. */
@ArgsType()
export class EditMessageArgs {
  @Field((_type) => ID)
  id!: string;

  /** The whole new text; the same rules as for sending. */
  @Field((_type) => String)
  text!: string;
}
