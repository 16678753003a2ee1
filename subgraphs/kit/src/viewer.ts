import { DirectiveLocation, GraphQLDirective } from 'graphql';
import { Directive } from 'type-graphql';

/** The spec `@viewer` is linked from in every subgraph schema (composed into the supergraph with `@composeDirective`). */
export const VIEWER_SPEC_URL = 'https://chirpchat.dev/specs/viewer/v1.0';

/**
 * `@viewer` on a field: its value depends on who asks (`hiddenForMe`, `reactedByMe`, a user's
 * own `email`), or it can only be resolved for a signed-in person. The router resolves a live
 * event once for all its subscribers only when the subscription selects no such field (see
 * DESIGN.md "Rooms at scale"); otherwise each subscriber's event is resolved for them.
 *
 * A field that is not marked is resolved once per event *for nobody* (no viewer, as the router
 * service), so forgetting the mark on a new field can make it null or fail for subscribers —
 * never show one viewer's value to another.
 */
export const ViewerDirective = new GraphQLDirective({
  name: 'viewer',
  description: 'The value depends on who asks: live events that select it are resolved for each subscriber.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
});

/** Marks a type-graphql field or field resolver as `@viewer` (see ViewerDirective). */
export const ViewerDependent = (): MethodDecorator & PropertyDecorator => Directive('@viewer') as MethodDecorator & PropertyDecorator;
