import { useApolloClient, useQuery } from '@vue/apollo-composable';
import { computed } from 'vue';
import { useAction } from '../app/useAction';
import {
  DeleteStoryDocument,
  MarkStoryViewedDocument,
  PostStoryDocument,
  StoriesDocument,
  type StoryFieldsFragment,
} from '../../graphql/generated/graphql';
import { useSession } from '../auth/useSession';

/** Stories have no subscription: other people's new ones show on this schedule (and on reload). */
const POLL_MS = 60_000;

/** One person's current stories, oldest first, as the strip shows them. */
export interface StoryGroup {
  authorId: string;
  authorName: string;
  mine: boolean;
  stories: StoryFieldsFragment[];
  /** Every story of theirs has been seen (our own count as seen). */
  viewed: boolean;
}

/** The stories strip: the viewer's and their contacts' stories, posting, viewing, deleting. */
export function useStories() {
  const client = useApolloClient().resolveClient();
  const { user } = useSession();
  const query = useQuery(StoriesDocument, null, { pollInterval: POLL_MS });
  const { failure, run } = useAction();

  const groups = computed<StoryGroup[]>(() => {
    const byAuthor = new Map<string, StoryGroup>();
    // The server lists newest first; a person's group sits where their newest story does.
    for (const story of query.result.value?.stories ?? []) {
      const mine = story.author.id === user.value?.id;
      let group = byAuthor.get(story.author.id);
      if (!group) {
        group = { authorId: story.author.id, authorName: mine ? 'You' : story.author.displayName, mine, stories: [], viewed: true };
        byAuthor.set(story.author.id, group);
      }
      group.stories.unshift(story);
      if (!mine && !story.viewedByMe) group.viewed = false;
    }
    // Our own first, then the unseen ones.
    return [...byAuthor.values()].sort((a, b) => Number(b.mine) - Number(a.mine) || Number(a.viewed) - Number(b.viewed));
  });

  return {
    groups,
    failure,
    post: (text: string) =>
      run(() => client.mutate({ mutation: PostStoryDocument, variables: { text }, refetchQueries: [StoriesDocument] })),
    /** Marks someone else's story seen, once. */
    viewed(story: StoryFieldsFragment): void {
      if (story.viewedByMe || story.author.id === user.value?.id) return;
      client
        .mutate({ mutation: MarkStoryViewedDocument, variables: { id: story.id } })
        .then(() =>
          client.cache.modify({ id: client.cache.identify({ __typename: 'Story', id: story.id }), fields: { viewedByMe: () => true } }),
        )
        .catch(() => undefined); // it shows as unseen until the next look
    },
    remove: (id: string) =>
      run(async () => {
        await client.mutate({ mutation: DeleteStoryDocument, variables: { id } });
        client.cache.evict({ id: client.cache.identify({ __typename: 'Story', id }) });
        client.cache.gc();
      }),
  };
}
