/**
 * How `@username` mentions are found in text. A mention is `@` followed by a run of
 * `[A-Za-z0-9_.]`, where the `@` does not follow a letter, digit, `_`, `.` or `@` (so
 * `ann@example.com` mentions nobody). Matching ignores case, as usernames are lower-case.
 *
 * Usernames may end in `.`, and a sentence may end right after a mention (`thanks @bob.`), so
 * each run gives up to two candidates: the run itself and the run without trailing dots. The
 * run wins when both are registered usernames. Candidates outside the username grammar
 * (3–32 of `[a-z0-9_.]`) are dropped: such a word is plain text.
 */

const MENTION = /(?<![\p{L}\p{N}_.@])@([A-Za-z0-9_.]+)/gu;
const USERNAME = /^[a-z0-9_.]{3,32}$/;

/** One `@word` in a text, with the usernames it may stand for, preferred first. */
export interface MentionToken {
  candidates: string[];
}

/** The distinct `@word`s of a text that could be usernames, in order of first appearance. */
export function mentionTokens(text: string): MentionToken[] {
  const seen = new Set<string>();
  const tokens: MentionToken[] = [];
  for (const match of text.matchAll(MENTION)) {
    const run = match[1]!.toLowerCase();
    if (seen.has(run)) continue;
    seen.add(run);
    const candidates = [...new Set([run, run.replace(/\.+$/, '')])].filter((name) => USERNAME.test(name));
    if (candidates.length > 0) tokens.push({ candidates });
  }
  return tokens;
}
