import { requireViewer, type RequestContext, ViewerDependent } from '@chirpchat/kit';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Conversation } from '../entities/conversation.entity.js';
import { MemberRole } from '../entities/member-role.enum.js';
import { Member } from '../entities/member.entity.js';
import { Message } from '../entities/message.entity.js';
import { ConversationsArgs } from '../inputs/conversations.args.js';
import { CreateConversationInput } from '../inputs/create-conversation.input.js';
import { MessagesArgs } from '../inputs/messages.args.js';
import type { ConversationService } from '../services/conversation.service.js';
import type { MembershipService } from '../services/membership.service.js';
import type { MessageService } from '../services/message.service.js';
import { ConversationConnection } from '../types/conversation-connection.type.js';
import { MessageConnection } from '../types/message-connection.type.js';

/**
 * Conversations. Every way to reach a `Conversation` (these queries, `Message.conversation`,
 * `_entities`) checks membership first, so the field resolvers below do not repeat it.
 */
@Resolver((_of) => Conversation)
export class ConversationResolver {
  constructor(
    private readonly conversationService: ConversationService,
    private readonly membership: MembershipService,
    private readonly messageService: MessageService,
  ) {}

  @Query((_returns) => ConversationConnection, { description: 'The viewer’s conversations, newest activity first.' })
  conversations(
    @Ctx() context: RequestContext,
    @Args((_type) => ConversationsArgs) { first, after }: ConversationsArgs,
  ): Promise<ConversationConnection> {
    return this.conversationService.list(context.em, requireViewer(context), first, after);
  }

  @Query((_returns) => Conversation, { nullable: true })
  conversation(@Ctx() context: RequestContext, @Arg('id', (_type) => ID) id: string): Promise<Conversation> {
    return this.conversationService.get(context.em, requireViewer(context), id);
  }

  @Mutation((_returns) => Conversation, { description: 'A DIRECT conversation with the same person returns the existing one.' })
  createConversation(
    @Ctx() context: RequestContext,
    @Arg('input', (_type) => CreateConversationInput) input: CreateConversationInput,
  ): Promise<Conversation> {
    return this.conversationService.create(context.em, requireViewer(context), input, context.authorization);
  }

  @ViewerDependent()
  @FieldResolver((_returns) => Message, { nullable: true })
  lastMessage(@Root() conversation: Conversation, @Ctx() context: RequestContext): Promise<Message | null> {
    return this.messageService.last(context.em, conversation, requireViewer(context).id);
  }

  @ViewerDependent()
  @FieldResolver((_returns) => MemberRole)
  myRole(@Root() conversation: Conversation, @Ctx() context: RequestContext): Promise<MemberRole> {
    return this.conversationService.roleOf(context.em, conversation.id, requireViewer(context).id);
  }

  @FieldResolver((_returns) => [Member])
  members(@Root() conversation: Conversation, @Ctx() context: RequestContext): Promise<Member[]> {
    return this.membership.members(context.em, conversation.id);
  }

  @ViewerDependent()
  @FieldResolver((_returns) => MessageConnection)
  messages(
    @Root() conversation: Conversation,
    @Ctx() context: RequestContext,
    @Args((_type) => MessagesArgs) args: MessagesArgs,
  ): Promise<MessageConnection> {
    return this.messageService.page(context.em, conversation, requireViewer(context).id, args);
  }
}
