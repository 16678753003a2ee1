import { useApolloClient } from '@vue/apollo-composable';
import { onScopeDispose, watch, type Ref } from 'vue';
import { MediaFieldsFragmentDoc, MediaProcessedDocument, type MediaFieldsFragment } from '../../graphql/generated/graphql';
import { useRealtime } from '../../realtime/inject';
import { releasePreview } from './localPreviews';
import { useFreshMedia } from './useFreshMedia';

const RESUBSCRIBE_MS = 3000;
/**
 * Live events are at most once: files still processing are looked at again this often, and after
 * every reconnect, so a lost `mediaProcessed` only delays the thumbnail.
 */
const PENDING_CHECK_MS = 15_000;

/**
 * While a conversation is open, `mediaProcessed` brings each of its files as it becomes READY (or
 * FAILED); written over the normalized Media, it turns every message showing it from
 * "Processing…" into its thumbnail. `pendingMessageIds` names the open conversation's messages
 * with files still processing, for the fallback look when events may have been missed.
 */
export function useMediaProcessed(conversationId: Ref<string>, pendingMessageIds: () => string[]): void {
  const client = useApolloClient().resolveClient();
  const realtime = useRealtime();
  const { refresh } = useFreshMedia();
  let subscription: { unsubscribe(): void } | null = null;
  let resubscribeTimer: ReturnType<typeof setTimeout> | undefined;

  function apply(media: MediaFieldsFragment): void {
    client.cache.writeFragment({
      id: client.cache.identify({ __typename: 'Media', id: media.id }),
      fragment: MediaFieldsFragmentDoc,
      fragmentName: 'MediaFields',
      data: { __typename: 'Media', ...media } as MediaFieldsFragment,
    });
    if (media.status === 'READY' || media.status === 'FAILED') releasePreview(media.id);
  }

  function subscribe(id: string): void {
    subscription?.unsubscribe();
    clearTimeout(resubscribeTimer);
    subscription = client
      .subscribe({ query: MediaProcessedDocument, variables: { conversationId: id }, fetchPolicy: 'no-cache' })
      .subscribe({
        next: ({ data }) => data && apply(data.mediaProcessed),
        // The transport reconnects by itself; an error here is the server ending this subscription.
        error: () => (resubscribeTimer = setTimeout(() => conversationId.value === id && subscribe(id), RESUBSCRIBE_MS)),
      });
  }

  function checkPending(): void {
    for (const messageId of pendingMessageIds()) void refresh(messageId);
  }

  watch(conversationId, subscribe, { immediate: true });
  const pendingTimer = setInterval(checkPending, PENDING_CHECK_MS);
  const stopListening = realtime.onConnected((reconnected) => reconnected && checkPending());

  onScopeDispose(() => {
    clearTimeout(resubscribeTimer);
    clearInterval(pendingTimer);
    stopListening();
    subscription?.unsubscribe();
  });
}
