import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Arg, Args, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { Conversation } from '../entities/conversation.entity.js';
import { Member } from '../entities/member.entity.js';
import { AddMembersArgs } from '../inputs/add-members.args.js';
import { MemberArgs } from '../inputs/member.args.js';
import { SetMemberRoleArgs } from '../inputs/set-member-role.args.js';
import type { MemberManagementService } from '../services/member-management.service.js';

/** Who is in a group or channel and with which role; the rules live in MemberManagementService. */
@Resolver()
export class MemberManagementResolver {
  constructor(private readonly members: MemberManagementService) {}

  @Mutation((_returns) => Conversation, { description: 'OWNERs and ADMINs add people as MEMBERs; those already in stay as they are.' })
  addMembers(
    @Ctx() context: RequestContext,
    @Args((_type) => AddMembersArgs) { conversationId, userIds }: AddMembersArgs,
  ): Promise<Conversation> {
    return this.members.addMembers(context.em, requireViewer(context), conversationId, userIds, context.authorization, context.client);
  }

  @Mutation((_returns) => Conversation, { description: 'OWNERs remove anyone else, ADMINs remove MEMBERs; it takes effect at once.' })
  removeMember(@Ctx() context: RequestContext, @Args((_type) => MemberArgs) { conversationId, userId }: MemberArgs): Promise<Conversation> {
    return this.members.removeMember(context.em, requireViewer(context), conversationId, userId, context.client);
  }

  @Mutation((_returns) => Member, { description: 'Only OWNERs change roles; the last OWNER hands over before stepping down.' })
  setMemberRole(
    @Ctx() context: RequestContext,
    @Args((_type) => SetMemberRoleArgs) { conversationId, userId, role }: SetMemberRoleArgs,
  ): Promise<Member> {
    return this.members.setRole(context.em, requireViewer(context), conversationId, userId, role, context.client);
  }

  @Mutation((_returns) => Boolean, { description: 'The last OWNER hands ownership to someone else before leaving.' })
  leaveConversation(@Ctx() context: RequestContext, @Arg('conversationId', (_type) => ID) conversationId: string): Promise<boolean> {
    return this.members.leave(context.em, requireViewer(context), conversationId, context.client);
  }
}
