import { Field, InputType } from 'type-graphql';

@InputType('LoginInput')
export class LoginInput {
  /** A username or an email address, in any case. */
  @Field((_type) => String)
  login!: string;

  @Field((_type) => String)
  password!: string;
}
