import { describe, expect, it } from 'vitest';
import { viewerNeeds } from './viewer-groups.service.js';

describe('viewerNeeds', () => {
  it('knows what the web app’s message fields depend on', () => {
    const needs = viewerNeeds(['attachments', 'hiddenForMe', 'reactions', 'reactions.reactedByMe', 'replyTo', 'replyTo.hiddenForMe']);
    expect(needs).toEqual({
      hidden: new Set(['message', 'replyTo']),
      reactions: new Set(['message']),
      users: new Set(),
    });
  });

  it('asks about the users whose own fields are selected', () => {
    expect(
      viewerNeeds(['sender.email', 'replyTo.sender.avatarUrl', 'reactions', 'reactions.users.sharesConversationWithMe'])?.users,
    ).toEqual(new Set(['message.sender', 'replyTo.sender', 'message.reactors']));
  });

  it('gives up on any path it does not know, so that nobody is grouped with anyone', () => {
    for (const unknown of ['conversation', 'conversation.myRole', 'replyTo.replyTo.hiddenForMe', 'sender.presence', 'reactions.users', 'x'])
      expect(viewerNeeds(['hiddenForMe', unknown])).toBeNull();
  });
});
