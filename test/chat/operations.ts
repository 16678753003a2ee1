/** The operations the chat tests send, written as a client would. */

export const CREATE_CONVERSATION = /* GraphQL */ `
  mutation ($input: CreateConversationInput!) {
    createConversation(input: $input) {
      id
      kind
      title
      lastSeq
      myRole
      members {
        user {
          id
        }
        role
      }
    }
  }
`;

export const SEND_MESSAGE = /* GraphQL */ `
  mutation ($input: SendMessageInput!) {
    sendMessage(input: $input) {
      id
      conversationId
      seq
      clientId
      text
      createdAt
      sender {
        id
      }
    }
  }
`;

export const CONVERSATION = /* GraphQL */ `
  query ($id: ID!) {
    conversation(id: $id) {
      id
      kind
      title
      lastSeq
      lastMessageAt
      myRole
      lastMessage {
        id
        seq
      }
      members {
        user {
          id
        }
        role
        joinedAt
      }
    }
  }
`;

export const CONVERSATIONS = /* GraphQL */ `
  query ($first: Int, $after: String) {
    conversations(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          createdAt
          lastMessageAt
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

export const MESSAGE = /* GraphQL */ `
  query ($id: ID!) {
    message(id: $id) {
      id
      seq
      text
      conversation {
        id
      }
    }
  }
`;

export const MESSAGES = /* GraphQL */ `
  query ($id: ID!, $first: Int, $before: String, $after: String) {
    conversation(id: $id) {
      messages(first: $first, before: $before, after: $after) {
        edges {
          cursor
          node {
            id
            seq
            text
          }
        }
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
      }
    }
  }
`;

export const MESSAGES_SINCE = /* GraphQL */ `
  query ($conversationId: ID!, $afterSeq: Int!, $first: Int) {
    messagesSince(conversationId: $conversationId, afterSeq: $afterSeq, first: $first) {
      id
      seq
      text
    }
  }
`;

export const MESSAGE_ADDED = /* GraphQL */ `
  subscription ($conversationId: ID) {
    messageAdded(conversationId: $conversationId) {
      id
      conversationId
      seq
      clientId
      text
      createdAt
      sender {
        id
      }
      conversation {
        id
        lastSeq
      }
    }
  }
`;

export const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Conversation {
        id
        lastSeq
      }
      ... on Message {
        id
        seq
        text
      }
    }
  }
`;

export interface ConversationShape {
  id: string;
  kind: string;
  title: string | null;
  lastSeq: number;
  lastMessageAt?: string | null;
  myRole: string;
  lastMessage?: { id: string; seq: number } | null;
  members: Array<{ user: { id: string }; role: string; joinedAt?: string }>;
}

export interface MessageShape {
  id: string;
  conversationId: string;
  seq: number;
  clientId: string;
  text: string | null;
  createdAt: string;
  sender: { id: string };
  conversation?: { id: string; lastSeq: number };
}

export interface PageShape<N> {
  edges: Array<{ cursor: string; node: N }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}
