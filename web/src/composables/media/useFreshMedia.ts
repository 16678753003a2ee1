import { useApolloClient } from '@vue/apollo-composable';
import { MessageAttachmentsDocument, type MediaFieldsFragment } from '../../graphql/generated/graphql';

/** A URL this close to its expiry is renewed before it is used: a video or a large original takes a while to load. */
const EXPIRY_MARGIN_MS = 30_000;
/** A message's files are asked for again at most this often, so that a file that keeps failing to load does not loop. */
const MIN_INTERVAL_MS = 10_000;

const inFlight = new Map<string, Promise<void>>();
const lastAsked = new Map<string, number>();

/** Whether a file's signed URLs have expired, or are about to. */
export function expiresSoon(media: Pick<MediaFieldsFragment, 'urlsExpireAt'>, now = Date.now()): boolean {
  return media.urlsExpireAt !== null && new Date(media.urlsExpireAt).getTime() - EXPIRY_MARGIN_MS <= now;
}

/**
 * Media URLs are signed for a few minutes. `refresh` asks for a message's files again (the
 * Media are normalized, so every view of them gets the new URLs); `ensureFresh` does it only
 * when the URLs are about to expire. Both share one request per message, and neither throws:
 * a failed refresh leaves the old URLs, and the next use tries again.
 */
export function useFreshMedia() {
  const client = useApolloClient().resolveClient();

  function refresh(messageId: string): Promise<void> {
    const running = inFlight.get(messageId);
    if (running) return running;
    if (Date.now() - (lastAsked.get(messageId) ?? 0) < MIN_INTERVAL_MS) return Promise.resolve();
    lastAsked.set(messageId, Date.now());
    const request = client
      .query({ query: MessageAttachmentsDocument, variables: { id: messageId }, fetchPolicy: 'network-only' })
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => inFlight.delete(messageId));
    inFlight.set(messageId, request);
    return request;
  }

  function ensureFresh(messageId: string, media: Pick<MediaFieldsFragment, 'urlsExpireAt'>): Promise<void> {
    return expiresSoon(media) ? refresh(messageId) : Promise.resolve();
  }

  return { refresh, ensureFresh };
}
