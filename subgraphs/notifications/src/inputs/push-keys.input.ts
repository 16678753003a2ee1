import { Field, InputType } from 'type-graphql';

/** `PushSubscription.toJSON().keys` from the browser. */
@InputType('PushKeysInput')
export class PushKeysInput {
  /** The browser's P-256 public key, base64url (65 bytes). */
  @Field((_type) => String)
  p256dh!: string;

  /** The browser's auth secret, base64url (16 bytes). */
  @Field((_type) => String)
  auth!: string;
}
