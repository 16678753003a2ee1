import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * The users subgraph owns `User`; chat only hands out references (`{ id }`) that the router
 * resolves there, so the stub is not resolvable here.
 */
@ObjectType('User')
@Directive('@key(fields: "id", resolvable: false)')
export class User {
  @Field((_type) => ID)
  id!: string;
}
