import { FieldResolver, Resolver, Root } from 'type-graphql';
import { Member } from '../entities/member.entity.js';
import { User } from '../types/user.type.js';

/** Members point at users by reference; the router fetches the rest from the users subgraph. */
@Resolver((_of) => Member)
export class MemberResolver {
  @FieldResolver((_returns) => User)
  user(@Root() member: Member): User {
    return { id: member.userId };
  }
}
