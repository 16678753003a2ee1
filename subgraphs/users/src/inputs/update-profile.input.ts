import { Field, InputType } from 'type-graphql';

/** Only the fields given change; null or missing keeps the current value. */
@InputType('UpdateProfileInput')
export class UpdateProfileInput {
  @Field((_type) => String, { nullable: true })
  displayName?: string | null;
}
