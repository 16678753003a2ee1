import type { RequestContext } from '@chirpchat/kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { User } from '../entities/user.entity.js';
import type { PresenceService } from '../services/presence.service.js';
import { Presence } from '../types/presence.enum.js';

/** `User.presence` and `User.lastSeenAt`, read from what the routers record. */
@Resolver((_of) => User)
export class PresenceResolver {
  constructor(private readonly presenceService: PresenceService) {}

  @FieldResolver((_returns) => Presence, { description: 'ONLINE while the user holds a live socket on any router instance.' })
  async presence(@Root() user: User, @Ctx() context: RequestContext): Promise<Presence> {
    return (await this.presenceService.of(context.em, user.id)).online ? Presence.ONLINE : Presence.OFFLINE;
  }

  @FieldResolver((_returns) => Date, { nullable: true, description: 'When the user was last online; null while ONLINE or never seen.' })
  async lastSeenAt(@Root() user: User, @Ctx() context: RequestContext): Promise<Date | null> {
    return (await this.presenceService.of(context.em, user.id)).lastSeenAt;
  }
}
