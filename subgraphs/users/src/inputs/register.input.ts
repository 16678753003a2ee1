import { Field, InputType } from 'type-graphql';

/** Rules are checked by AccountService, which says which field is wrong and why. */
@InputType('RegisterInput')
export class RegisterInput {
  @Field((_type) => String)
  username!: string;

  @Field((_type) => String)
  email!: string;

  @Field((_type) => String)
  password!: string;

  /** Defaults to the username when missing or blank. */
  @Field((_type) => String, { nullable: true })
  displayName?: string | null;
}
