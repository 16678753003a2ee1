import { Field, ID, InputType } from 'type-graphql';

/** Only the fields given change. */
@InputType('UpdateProfileInput')
export class UpdateProfileInput {
  /** Null or missing keeps the current name. */
  @Field((_type) => String, { nullable: true })
  displayName?: string | null;

  /** An image uploaded without a conversation (createUpload); null removes the picture, missing keeps it. */
  @Field((_type) => ID, { nullable: true })
  avatarMediaId?: string | null;
}
