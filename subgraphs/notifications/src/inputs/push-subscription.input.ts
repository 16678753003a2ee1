import { Field, InputType } from 'type-graphql';
import { PushKeysInput } from './push-keys.input.js';

/** What `PushManager.subscribe()` gave the browser (`subscription.toJSON()`), plus which browser it is. */
@InputType('PushSubscriptionInput')
export class PushSubscriptionInput {
  @Field((_type) => String)
  endpoint!: string;

  @Field((_type) => PushKeysInput)
  keys!: PushKeysInput;

  /** Shown in the list of devices; cut at 512 characters. */
  @Field((_type) => String, { nullable: true })
  userAgent?: string | null;
}
