import { useApolloClient } from '@vue/apollo-composable';
import { useAction } from '../app/useAction';
import type { Ref } from 'vue';
import {
  AddMembersDocument,
  ConversationMembersDocument,
  ConversationsDocument,
  LeaveConversationDocument,
  RemoveMemberDocument,
  SetMemberRoleDocument,
  type MemberRole,
} from '../../graphql/generated/graphql';

/**
 * Managing a group's members. The server decides who may do what (owners and admins add and
 * remove, owners change roles); its FORBIDDEN or CONFLICT message lands in `failure`.
 */
export function useMembers(conversationId: Ref<string>) {
  const client = useApolloClient().resolveClient();
  const { failure, busy, run } = useAction();

  const variables = () => ({ conversationId: conversationId.value });
  return {
    failure,
    busy,
    add: (userIds: string[]) => run(() => client.mutate({ mutation: AddMembersDocument, variables: { ...variables(), userIds } })),
    remove: (userId: string) => run(() => client.mutate({ mutation: RemoveMemberDocument, variables: { ...variables(), userId } })),
    // A Member has no id of its own: the conversation's members are fetched again.
    setRole: (userId: string, role: MemberRole) =>
      run(() =>
        client.mutate({
          mutation: SetMemberRoleDocument,
          variables: { ...variables(), userId, role },
          refetchQueries: [{ query: ConversationMembersDocument, variables: { id: conversationId.value } }],
          awaitRefetchQueries: true,
        }),
      ),
    leave: () =>
      run(() => client.mutate({ mutation: LeaveConversationDocument, variables: variables(), refetchQueries: [ConversationsDocument] })),
  };
}
