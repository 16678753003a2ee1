import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  messageList,
  newAccount,
  openApp,
  registerThroughUi,
  screenshot,
  screenshotDir,
  sendWithEnter,
  type BrowserPerson,
} from '../support/browser.js';
import { registerUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

/** Live, without reload: a second or two, with room for a busy test machine. */
const LIVE_MS = 5000;
/** Short, so a typing state expires quickly when it is not renewed. */
const TYPING_TTL_MS = 1500;

/** The message in the open conversation whose own text (or any text inside it) matches. */
function message(page: Page, text: string) {
  return messageList(page).getByRole('listitem').filter({ hasText: text }).first();
}

describe('the web client in Chromium: a conversation in depth', () => {
  let stack: Stack;
  let browser: Browser;
  const people: BrowserPerson[] = [];
  const aliceAccount = newAccount('alice');
  const bobAccount = newAccount('bob');

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ web: true, typingTtlMs: TYPING_TTL_MS }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    console.log(`Screenshots of the web client: ${screenshotDir}`);
  });

  it('replies, reacts, edits, deletes, shows typing and read ticks live between two people', async () => {
    const alice = await openApp(browser, stack.origin);
    const bob = await openApp(browser, stack.origin);
    people.push(alice, bob);
    await Promise.all([registerThroughUi(alice.page, aliceAccount), registerThroughUi(bob.page, bobAccount)]);

    await alice.page.getByRole('link', { name: 'New chat' }).click();
    await alice.page.getByLabel('Search people').fill(bobAccount.username);
    await alice.page.getByRole('button', { name: `Chat with ${bobAccount.displayName}` }).click();
    await alice.page.getByRole('heading', { name: bobAccount.displayName, level: 2 }).waitFor();
    await sendWithEnter(alice.page, 'Are we still on for lunch?');
    await sendWithEnter(alice.page, 'I will bring sandwiches');

    // Bob's client has them (it marks them delivered on receipt) but has not opened the chat.
    const fromAlice = bob.page.getByRole('link', { name: new RegExp(`${aliceAccount.displayName}.*I will bring sandwiches.*2 unread`) });
    await fromAlice.waitFor({ timeout: LIVE_MS });
    await message(alice.page, 'I will bring sandwiches').getByRole('img', { name: 'Delivered' }).waitFor({ timeout: LIVE_MS });

    // Bob opens it: Alice's messages turn "Read", and Bob's badge goes.
    await fromAlice.click();
    await message(bob.page, 'I will bring sandwiches').waitFor();
    await message(alice.page, 'I will bring sandwiches').getByRole('img', { name: 'Read' }).waitFor({ timeout: LIVE_MS });
    await expect.poll(() => bob.page.getByRole('link', { name: /unread/ }).count()).toBe(0);

    // Bob replies to the first message; Alice sees the quote live.
    await message(bob.page, 'Are we still on for lunch?').getByRole('button', { name: 'Reply' }).click();
    await bob.page.getByText(`Replying to ${aliceAccount.displayName}`).waitFor();
    await sendWithEnter(bob.page, 'Yes, 12:30 works');
    await bob.page.getByRole('button', { name: 'Cancel reply' }).waitFor({ state: 'detached' });
    const reply = message(alice.page, 'Yes, 12:30 works');
    await reply.waitFor({ timeout: LIVE_MS });
    const quote = reply.getByRole('blockquote');
    expect(await quote.innerText()).toContain('You');
    expect(await quote.innerText()).toContain('Are we still on for lunch?');

    // Alice reacts to the reply; Bob sees the chip with its count.
    await reply.getByRole('button', { name: 'React' }).click();
    await reply.getByRole('button', { name: 'React with 👍' }).click();
    const aliceChip = reply.getByRole('button', { name: '👍 1' });
    await aliceChip.waitFor();
    expect(await aliceChip.getAttribute('aria-pressed')).toBe('true');
    const bobChip = message(bob.page, 'Yes, 12:30 works').getByRole('button', { name: '👍 1' });
    await bobChip.waitFor({ timeout: LIVE_MS });
    expect(await bobChip.getAttribute('aria-pressed')).toBe('false');

    // Alice edits a message; Bob sees the new text, marked edited.
    await message(alice.page, 'I will bring sandwiches').getByRole('button', { name: 'Edit' }).click();
    const editor = alice.page.getByLabel('Edit message');
    await editor.fill('I will bring salad');
    await alice.page.getByRole('button', { name: 'Save' }).click();
    await message(alice.page, 'I will bring salad').getByText('(edited)').waitFor();
    const edited = message(bob.page, 'I will bring salad');
    await edited.getByText('(edited)').waitFor({ timeout: LIVE_MS });
    expect(await messageList(bob.page).getByText('I will bring sandwiches').count()).toBe(0);

    // Alice deletes one for everyone; Bob sees the tombstone.
    await sendWithEnter(alice.page, 'Oops, wrong chat');
    await message(bob.page, 'Oops, wrong chat').waitFor({ timeout: LIVE_MS });
    await message(alice.page, 'Oops, wrong chat').getByRole('button', { name: 'Delete' }).click();
    await alice.page.getByRole('button', { name: 'Delete for everyone' }).click();
    await messageList(alice.page).getByText('This message was deleted').waitFor();
    await messageList(bob.page).getByText('This message was deleted').waitFor({ timeout: LIVE_MS });
    expect(await messageList(bob.page).getByText('Oops, wrong chat').count()).toBe(0);

    // Bob types without sending: Alice sees it, and it ends by itself when not renewed.
    await bob.page.getByLabel('Message', { exact: true }).fill('Let me think');
    const typing = alice.page.getByRole('status').filter({ hasText: `${bobAccount.displayName} is typing…` });
    await typing.waitFor({ timeout: LIVE_MS });
    await screenshot(alice.page, 'depth-1-typing');
    await typing.waitFor({ state: 'detached', timeout: TYPING_TTL_MS + LIVE_MS });

    // Bob has the conversation open and visible: Alice's newest message is read too.
    await sendWithEnter(alice.page, 'See you there');
    await message(alice.page, 'See you there').getByRole('img', { name: 'Read' }).waitFor({ timeout: LIVE_MS });

    await screenshot(alice.page, 'depth-2-alice');
    await screenshot(bob.page, 'depth-3-bob');
    for (const person of [alice, bob]) {
      expect(person.problems).toEqual([]);
      expect(person.dialogs).toEqual([]);
    }
  }, 90_000);

  it('finds messages with the search box, and shares stories through the strip', async () => {
    const [alice, bob] = people;
    if (!alice || !bob) throw new Error('runs after the first test, in the conversation it opened');

    // Search: a result names the conversation and the sender, and opens the conversation.
    await alice.page.getByRole('link', { name: 'New chat' }).click();
    await alice.page.getByLabel('Search messages').fill('salad');
    const result = alice.page.getByRole('list', { name: 'Search results' }).getByRole('link', { name: /salad/ });
    await result.waitFor({ timeout: LIVE_MS });
    expect(await result.innerText()).toContain(bobAccount.displayName);
    expect(await result.innerText()).toContain('You: I will bring salad');
    await result.click();
    await alice.page.getByRole('heading', { name: bobAccount.displayName, level: 2 }).waitFor();
    await message(alice.page, 'I will bring salad').waitFor();

    // Alice posts a story; Bob sees it as new, opens it, and it counts as seen.
    await alice.page.getByRole('button', { name: 'Add story' }).click();
    await alice.page.getByLabel('Story text').fill('Lunch at the park today');
    await alice.page.getByRole('button', { name: 'Post story' }).click();
    await alice.page.getByRole('button', { name: 'Story by You, seen' }).waitFor();

    await bob.page.reload(); // stories have no live event; the strip polls, a reload is quicker
    const aliceStory = bob.page.getByRole('button', { name: `Story by ${aliceAccount.displayName}, new` });
    await aliceStory.click();
    const viewer = bob.page.getByRole('dialog', { name: `Story by ${aliceAccount.displayName}` });
    await viewer.getByText('Lunch at the park today').waitFor();
    expect(await viewer.getByRole('button', { name: 'Delete story' }).count()).toBe(0);
    await bob.page.getByRole('button', { name: `Story by ${aliceAccount.displayName}, seen` }).waitFor();
    await screenshot(bob.page, 'depth-4-story');
    await viewer.getByRole('button', { name: 'Close story' }).click();

    // Alice deletes her own story.
    await alice.page.getByRole('button', { name: 'Story by You, seen' }).click();
    await alice.page.getByRole('dialog', { name: 'Story by You' }).getByRole('button', { name: 'Delete story' }).click();
    await alice.page.getByRole('button', { name: 'Story by You, seen' }).waitFor({ state: 'detached' });

    for (const person of [alice, bob]) {
      expect(person.problems).toEqual([]);
      expect(person.dialogs).toEqual([]);
    }
  }, 60_000);

  it('lets a group owner manage members: roles, adding, removing; a member leaves', async () => {
    const [alice, bob] = people;
    if (!alice || !bob) throw new Error('runs after the first test');
    const carol = await registerUser(stack.url, 'carol');

    await alice.page.getByRole('link', { name: 'New chat' }).click();
    await alice.page.getByLabel('Search people').fill(bobAccount.username);
    await alice.page.getByLabel(`Add ${bobAccount.displayName} to group`).check();
    await alice.page.getByLabel('Group name (optional)').fill('Book club');
    await alice.page.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { name: 'Book club', level: 2 }).waitFor();
    await sendWithEnter(alice.page, 'Welcome to the book club');

    await alice.page.getByRole('button', { name: 'Members', exact: true }).click();
    const panel = alice.page.getByRole('region', { name: 'Members' });
    const members = panel.getByRole('list', { name: 'Current members' });
    const bobRow = members.getByRole('listitem').filter({ hasText: bobAccount.displayName });
    await bobRow.getByText('Member', { exact: true }).waitFor();
    await panel.getByRole('button', { name: `Make ${bobAccount.displayName} admin` }).click();
    await bobRow.getByText('Admin', { exact: true }).waitFor();

    await panel.getByLabel('Add people').fill(carol.username);
    await panel
      .getByRole('list', { name: 'People to add' })
      .getByRole('button', { name: `Add ${carol.displayName}` })
      .click();
    const carolRow = members.getByRole('listitem').filter({ hasText: carol.displayName });
    await carolRow.waitFor();
    await screenshot(alice.page, 'depth-5-members');
    await panel.getByRole('button', { name: `Remove ${carol.displayName}` }).click();
    await carolRow.waitFor({ state: 'detached' });

    // Bob leaves; the group goes from his list.
    const group = bob.page.getByRole('link', { name: /Book club/ });
    await group.click();
    await bob.page.getByRole('button', { name: 'Members', exact: true }).click();
    await bob.page.getByRole('button', { name: 'Leave conversation' }).click();
    await bob.page.getByRole('heading', { name: 'Conversations' }).waitFor();
    await group.waitFor({ state: 'detached' });

    for (const person of [alice, bob]) expect(person.problems).toEqual([]);
  }, 60_000);
});
