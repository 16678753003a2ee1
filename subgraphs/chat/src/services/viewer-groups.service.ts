import type { EntityManager, ViewerGrouping } from '@chirpchat/kit';
import { HiddenMessage } from '../entities/hidden-message.entity.js';
import { Message } from '../entities/message.entity.js';
import { Reaction } from '../entities/reaction.entity.js';
import type { MemberDirectory } from './member-directory.service.js';

/** What grouping needs of a live event's message. */
export interface GroupedMessage {
  id: string;
  conversationId: string;
  senderId: string;
  replyToId: string | null;
  mentionIds: readonly string[];
}

/** The event's message, or the one it replies to (`replyTo`). */
type Which = 'message' | 'replyTo';
/** The users a path reaches from a message. */
type UserRoute = 'sender' | 'mentions' | 'reactors';

/** What the viewer-dependent fields a document selects on a message depend on. */
export interface ViewerNeeds {
  /** Whether the viewer hid the message. */
  hidden: Set<Which>;
  /** Which emoji the viewer put on the message. */
  reactions: Set<Which>;
  /** Users whose viewer-dependent fields are selected: they must all be members, and each of them sees their own. */
  users: Set<`${Which}.${UserRoute}`>;
}

/**
 * `@viewer` fields of a user. For two members of the same conversation each is the same
 * whoever of them asks, except for the user themself: `avatarUrl` (media shows it to those who
 * share a conversation with the user), `sharesConversationWithMe`, and `email` (the user's own).
 */
const USER_VIEWER_FIELDS = new Set(['avatarUrl', 'email', 'sharesConversationWithMe']);

/**
 * What the `@viewer` fields at `paths` (see the kit's LiveExtensions) depend on, for a live
 * message event; null when a path is not one this knows, so that nobody is grouped with anyone.
 *
 * Why the others depend on nothing here: every event's audience is members of the message's
 * conversation (its `replyTo` is in the same one), and
 * - `replyTo` loads the message whoever asks;
 * - `attachments` were uploaded for the conversation (chat refuses others at send), so media
 *   shows them to each of its members alike.
 */
export function viewerNeeds(paths: readonly string[]): ViewerNeeds | null {
  const needs: ViewerNeeds = { hidden: new Set(), reactions: new Set(), users: new Set() };
  for (const path of paths) {
    const segments = path.split('.');
    let which: Which = 'message';
    let rest = segments;
    if (segments[0] === 'replyTo') {
      if (segments.length === 1) continue;
      which = 'replyTo';
      rest = segments.slice(1);
    }
    const [first, second, third] = rest;
    if (rest.length === 1 && first === 'hiddenForMe') needs.hidden.add(which);
    else if (first === 'reactions' && (rest.length === 1 || (rest.length === 2 && second === 'reactedByMe'))) needs.reactions.add(which);
    else if (rest.length === 1 && first === 'attachments') continue;
    else if (rest.length === 2 && (first === 'sender' || first === 'mentions') && USER_VIEWER_FIELDS.has(second!))
      needs.users.add(`${which}.${first}`);
    else if (rest.length === 3 && first === 'reactions' && second === 'users' && USER_VIEWER_FIELDS.has(third!))
      needs.users.add(`${which}.reactors`);
    else return null;
  }
  return needs;
}

/**
 * Splits a live message event's audience into viewers who see the same values of the
 * `@viewer` fields a document selects (the kit's ViewerGrouping): in a room of thousands a new
 * message is usually one group, so it is resolved once instead of once per member. Costs at most
 * three queries per event (the reply, hidden rows, reactions), and only those the fields need.
 */
export class ViewerGroupsService {
  constructor(
    private readonly rootEm: EntityManager,
    private readonly directory: MemberDirectory,
  ) {}

  /** The grouping of one event's message, for the kit's withViewerGrouping. */
  grouping(message: GroupedMessage): ViewerGrouping {
    return (paths, audience) => this.groups(message, paths, audience);
  }

  async groups(message: GroupedMessage, paths: readonly string[], audience: readonly string[]): Promise<string[][] | null> {
    const needs = viewerNeeds(paths);
    if (!needs) return null;
    const em = this.rootEm.fork();
    const idOf = (which: Which) => (which === 'message' ? message.id : message.replyToId);
    const wantsReply = message.replyToId !== null && [...needs.users].some((route) => route.startsWith('replyTo.'));
    const reply = wantsReply ? await em.findOne(Message, { id: message.replyToId!, conversationId: message.conversationId }) : null;

    const hiddenIds = [...needs.hidden].map(idOf).filter((id): id is string => id !== null);
    const reactors = [...needs.users].filter((route) => route.endsWith('.reactors')).map((route) => route.split('.')[0] as Which);
    const reactionIds = [...new Set([...needs.reactions, ...reactors])].map(idOf).filter((id): id is string => id !== null);
    const [hiddenRows, reactionRows] = await Promise.all([
      hiddenIds.length > 0 ? em.find(HiddenMessage, { messageId: { $in: hiddenIds } }, { fields: ['userId', 'messageId'] }) : [],
      reactionIds.length > 0
        ? em.find(Reaction, { messageId: { $in: reactionIds } }, { fields: ['userId', 'messageId', 'emoji'], orderBy: { emoji: 'asc' } })
        : [],
    ]);
    const hiddenBy = new Set(hiddenRows.map((row) => `${row.messageId} ${row.userId}`));
    const emojiOf = new Map<string, string>();
    for (const row of reactionRows) {
      const key = `${row.messageId} ${row.userId}`;
      emojiOf.set(key, `${emojiOf.get(key) ?? ''}${row.emoji}\u0000`);
    }

    const users = new Set<string>();
    for (const route of needs.users) {
      const [which, to] = route.split('.') as [Which, UserRoute];
      const source = which === 'message' ? message : reply;
      if (!source) continue;
      if (to === 'sender') users.add(source.senderId);
      else if (to === 'mentions') for (const id of source.mentionIds) users.add(id);
      else for (const row of reactionRows) if (row.messageId === source.id) users.add(row.userId);
    }
    if (users.size > 0) {
      // A user who is not (or no longer) a member may share another conversation with some viewers and not with others.
      const members = await this.directory.members(message.conversationId);
      for (const userId of users) if (!members.has(userId)) return null;
    }

    const hiddenOn = [...needs.hidden].map(idOf);
    const reactedOn = [...needs.reactions].map(idOf);
    const groups = new Map<string, string[]>();
    for (const viewerId of audience) {
      let key = users.has(viewerId) ? viewerId : '';
      for (const id of hiddenOn) key += hiddenBy.has(`${id} ${viewerId}`) ? '\u0001h' : '\u0001';
      for (const id of reactedOn) key += `\u0001${emojiOf.get(`${id} ${viewerId}`) ?? ''}`;
      const group = groups.get(key);
      if (group) group.push(viewerId);
      else groups.set(key, [viewerId]);
    }
    return [...groups.values()];
  }
}
