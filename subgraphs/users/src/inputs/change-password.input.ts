import { Field, InputType } from 'type-graphql';

@InputType('ChangePasswordInput')
export class ChangePasswordInput {
  @Field((_type) => String)
  currentPassword!: string;

  /** Checked by the same rules as at sign-up. */
  @Field((_type) => String)
  newPassword!: string;
}
