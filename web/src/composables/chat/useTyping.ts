import { useApolloClient } from '@vue/apollo-composable';
import { computed, onScopeDispose, reactive, watch, type Ref } from 'vue';
import { SetTypingDocument, TypingDocument } from '../../graphql/generated/graphql';
import { useSession } from '../auth/useSession';

/** How often `typing: true` is repeated while the viewer keeps typing; the server forgets it after ~5 s. */
const RENEW_MS = 3000;
/** A typing state we never heard end (a lost event) is dropped after this long. */
const STALE_MS = 8000;

/**
 * Typing in one conversation, both ways: who else is typing (live, from `typing`), and telling
 * the others while the viewer types (`setTyping`, renewed at most every few seconds).
 */
export function useTyping(conversationId: Ref<string>) {
  const client = useApolloClient().resolveClient();
  const { user } = useSession();
  const typists = reactive(new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>());
  let lastSent = 0;
  let sentFor: string | null = null;

  function forget(userId: string): void {
    clearTimeout(typists.get(userId)?.timer);
    typists.delete(userId);
  }

  let subscription: { unsubscribe(): void } | null = null;
  watch(
    conversationId,
    (id, previous) => {
      if (previous && sentFor === previous) stop(previous);
      subscription?.unsubscribe();
      for (const userId of [...typists.keys()]) forget(userId);
      subscription = client.subscribe({ query: TypingDocument, variables: { conversationId: id }, fetchPolicy: 'no-cache' }).subscribe({
        next: ({ data }) => {
          const event = data?.typing;
          if (!event || event.user.id === user.value?.id || event.conversationId !== conversationId.value) return;
          forget(event.user.id);
          if (event.typing)
            typists.set(event.user.id, { name: event.user.displayName, timer: setTimeout(() => forget(event.user.id), STALE_MS) });
        },
        error: () => undefined, // typing is a nicety: the next visit subscribes again
      });
    },
    { immediate: true },
  );

  function send(id: string, typing: boolean): void {
    client.mutate({ mutation: SetTypingDocument, variables: { conversationId: id, typing } }).catch(() => undefined);
  }

  /** The viewer typed: tell the others, at most every RENEW_MS. */
  function typed(): void {
    const now = Date.now();
    if (sentFor === conversationId.value && now - lastSent < RENEW_MS) return;
    lastSent = now;
    sentFor = conversationId.value;
    send(conversationId.value, true);
  }

  /** The viewer sent, cleared or left the composer. */
  function stop(id = conversationId.value): void {
    if (sentFor !== id) return;
    sentFor = null;
    lastSent = 0;
    send(id, false);
  }

  onScopeDispose(() => {
    stop();
    subscription?.unsubscribe();
    for (const userId of [...typists.keys()]) forget(userId);
  });

  return {
    /** "Ann is typing…", "Ann and Bob are typing…", or '' when nobody is. */
    typingText: computed(() => {
      const names = [...typists.values()].map((typist) => typist.name);
      if (names.length === 0) return '';
      if (names.length === 1) return `${names[0]} is typing…`;
      if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
      return `${names.length} people are typing…`;
    }),
    /** Someone stops showing as typing once their message arrives. */
    forget,
    typed,
    stop: () => stop(),
  };
}
