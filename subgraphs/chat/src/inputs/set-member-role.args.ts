import { ArgsType, Field, ID } from 'type-graphql';
import { MemberRole } from '../entities/member-role.enum.js';

/** `setMemberRole(conversationId, userId, role)`. */
@ArgsType()
export class SetMemberRoleArgs {
  @Field((_type) => ID)
  conversationId!: string;

  @Field((_type) => ID)
  userId!: string;

  @Field((_type) => MemberRole)
  role!: MemberRole;
}
