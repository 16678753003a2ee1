import { Field, ID, ObjectType } from 'type-graphql';

/** One signed-in device of the viewer: a refresh-token family, as `mySessions` lists it. */
@ObjectType('Session', { description: 'A signed-in device: one sign-in and every refresh of it.' })
export class Session {
  /** The session id access tokens carry (`sid`); `revokeSession` takes it. */
  @Field((_type) => ID)
  id!: string;

  /** When the device signed in. */
  @Field((_type) => Date)
  createdAt!: Date;

  /** When it last refreshed its tokens (or signed in). */
  @Field((_type) => Date)
  lastUsedAt!: Date;

  /** The User-Agent of the client that signed in, as the router saw it. */
  @Field((_type) => String, { nullable: true })
  userAgent!: string | null;

  /** The client's address when it signed in, as the router judged it. */
  @Field((_type) => String, { nullable: true })
  address!: string | null;

  /** Whether this is the session of the access token that asks. */
  @Field((_type) => Boolean)
  current!: boolean;
}
