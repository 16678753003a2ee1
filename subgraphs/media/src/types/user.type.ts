import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * The users subgraph owns `User`. Media adds `avatarUrl`, a signed URL for the profile picture
 * users records as `avatarMediaId`.
 */
@ObjectType('User')
@Directive('@key(fields: "id")')
export class User {
  @Field((_type) => ID)
  id!: string;

  @Field((_type) => ID, { nullable: true })
  @Directive('@external')
  avatarMediaId?: string | null;
}
