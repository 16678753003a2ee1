import { useApolloClient } from '@vue/apollo-composable';
import { useAction } from '../app/useAction';
import { AddReactionDocument, DeleteMessageDocument, EditMessageDocument, RemoveReactionDocument } from '../../graphql/generated/graphql';

/** The emoji the reaction picker offers. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

/**
 * Changing a stored message: edit, delete, react. Each mutation returns the message, which the
 * cache normalises by id, so every view of it updates; the others see it via `messageUpdated`.
 * Failures are kept in `failure` for the view to show, never thrown.
 */
export function useMessageActions() {
  const client = useApolloClient().resolveClient();
  const { failure, run } = useAction();

  return {
    failure,
    edit: (id: string, text: string) => run(() => client.mutate({ mutation: EditMessageDocument, variables: { id, text } })),
    remove: (id: string, forEveryone: boolean) =>
      run(() => client.mutate({ mutation: DeleteMessageDocument, variables: { id, forEveryone } })),
    /** Adds our reaction with `emoji`, or takes it back when we had already reacted with it. */
    toggleReaction: (messageId: string, emoji: string, reactedByMe: boolean) =>
      run(() =>
        client.mutate({
          mutation: reactedByMe ? RemoveReactionDocument : AddReactionDocument,
          variables: { messageId, emoji },
        }),
      ),
    dismiss: () => (failure.value = null),
  };
}
