import { SchemaContainer } from '@chirpchat/kit';

/**
 * The resolvers and services of one running chat subgraph (kit's SchemaContainer): type-graphql
 * asks it for resolver instances, and subscription `subscribe` functions and `__resolveReference`
 * find it through the executing schema (`ChatContainer.of(info)`).
 */
export const ChatContainer = SchemaContainer;
export type ChatContainer = SchemaContainer;
