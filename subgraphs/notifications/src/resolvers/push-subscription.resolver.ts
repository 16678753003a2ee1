import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { PushSubscription } from '../entities/push-subscription.entity.js';
import { PushSubscriptionInput } from '../inputs/push-subscription.input.js';
import type { PushSubscriptionService } from '../services/push-subscription.service.js';

/** Web Push: the key browsers subscribe with, and the viewer's subscriptions (one per browser). */
@Resolver((_of) => PushSubscription)
export class PushSubscriptionResolver {
  constructor(
    private readonly subscriptions: PushSubscriptionService,
    private readonly vapidPublicKey: string,
  ) {}

  @Query((_returns) => String, { name: 'vapidPublicKey', description: 'The applicationServerKey for PushManager.subscribe(), base64url.' })
  publicKey(): string {
    return this.vapidPublicKey;
  }

  @Query((_returns) => [PushSubscription], { description: 'The viewer’s push subscriptions, newest first.' })
  pushSubscriptions(@Ctx() context: RequestContext): Promise<PushSubscription[]> {
    return this.subscriptions.list(context.em, requireViewer(context));
  }

  @Mutation((_returns) => PushSubscription, { description: 'The same endpoint again updates the one subscription.' })
  registerPushSubscription(
    @Ctx() context: RequestContext,
    @Arg('input', (_type) => PushSubscriptionInput) input: PushSubscriptionInput,
  ): Promise<PushSubscription> {
    return this.subscriptions.register(context.em, requireViewer(context), input, context.client);
  }

  @Mutation((_returns) => Boolean, { description: 'False when the viewer has no subscription with this endpoint.' })
  unregisterPushSubscription(@Ctx() context: RequestContext, @Arg('endpoint', (_type) => String) endpoint: string): Promise<boolean> {
    return this.subscriptions.unregister(context.em, requireViewer(context), endpoint, context.client);
  }
}
