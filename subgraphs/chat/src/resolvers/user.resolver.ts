import { requireViewer, type RequestContext, ViewerDependent } from '@chirpchat/kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ContactService } from '../services/contact.service.js';
import { User } from '../types/user.type.js';

/** What chat adds to a person: whether the viewer shares a conversation with them. */
@Resolver((_of) => User)
export class UserResolver {
  constructor(private readonly contacts: ContactService) {}

  @ViewerDependent()
  @FieldResolver((_returns) => Boolean, {
    description: 'Whether the viewer and this user are both members of at least one conversation (always true for the viewer themself).',
  })
  sharesConversationWithMe(@Root() user: User, @Ctx() context: RequestContext): Promise<boolean> {
    return this.contacts.sharesConversation(context.em, requireViewer(context).id, user.id);
  }
}
