import { Field, ObjectType } from 'type-graphql';
import { User } from '../entities/user.entity.js';

/** What signing in gives a client: a short-lived access token and the refresh token that renews it. */
@ObjectType('AuthPayload')
export class AuthPayload {
  /** An EdDSA JWT for `Authorization: Bearer …`, valid until `accessTokenExpiresAt`. */
  @Field((_type) => String)
  accessToken!: string;

  /** Opaque and single-use: exchange it with `refreshSession` for a new pair. */
  @Field((_type) => String)
  refreshToken!: string;

  @Field((_type) => Date)
  accessTokenExpiresAt!: Date;

  @Field((_type) => User)
  user!: User;
}
