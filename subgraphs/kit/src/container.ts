import type { GraphQLSchema } from 'graphql';
import type { ContainerType, PubSub } from 'type-graphql';

type Key<T> = abstract new (...args: never[]) => T;

/**
 * The resolvers and services of one running subgraph. type-graphql asks it for resolver
 * instances (the `container` option); the entry points type-graphql does not construct —
 * subscription `subscribe` functions and `__resolveReference` — find it through the schema
 * that is executing (`info.schema`), so several subgraphs can share a process.
 */
export class SchemaContainer implements ContainerType {
  private static readonly bySchema = new WeakMap<GraphQLSchema, SchemaContainer>();
  private readonly instances = new Map<Key<unknown>, unknown>();

  /** The container of the schema running this operation. */
  static of(info: { schema: GraphQLSchema } | undefined): SchemaContainer {
    const container = info && SchemaContainer.bySchema.get(info.schema);
    if (!container) throw new Error('This schema was not built by a subgraph with a container.');
    return container;
  }

  register<T>(key: Key<T>, instance: T): this {
    this.instances.set(key, instance);
    return this;
  }

  get<T>(key: Key<T>): T {
    const instance = this.instances.get(key);
    if (instance === undefined)
      throw new Error(`Nothing is registered for ${key.name} (a schema built without services is for printing SDL only).`);
    return instance as T;
  }

  /** Lets the schema's own entry points find this container. */
  attachTo(schema: GraphQLSchema): void {
    SchemaContainer.bySchema.set(schema, this);
  }
}

/**
 * type-graphql insists on a PubSub as soon as a subscription exists, even when each one brings
 * its own `subscribe` function (ours read the bus through their services). Topic-based
 * subscriptions are not used in ChirpChat, so this one refuses.
 */
export const noTopicPubSub: PubSub = {
  publish() {
    throw new Error('Subgraphs publish through their Bus, not type-graphql topics.');
  },
  subscribe() {
    throw new Error('Subscriptions here use their own subscribe functions, not type-graphql topics.');
  },
};
