import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { NotificationSettings } from '../entities/notification-settings.entity.js';
import { UpdateNotificationSettingsInput } from '../inputs/update-notification-settings.input.js';
import type { NotificationSettingsService } from '../services/notification-settings.service.js';

/** The viewer's notification preferences. */
@Resolver((_of) => NotificationSettings)
export class NotificationSettingsResolver {
  constructor(private readonly settings: NotificationSettingsService) {}

  @Query((_returns) => NotificationSettings)
  notificationSettings(@Ctx() context: RequestContext): Promise<NotificationSettings> {
    return this.settings.get(context.em, requireViewer(context));
  }

  @Mutation((_returns) => NotificationSettings)
  updateNotificationSettings(
    @Ctx() context: RequestContext,
    @Arg('input', (_type) => UpdateNotificationSettingsInput) input: UpdateNotificationSettingsInput,
  ): Promise<NotificationSettings> {
    return this.settings.update(context.em, requireViewer(context), input);
  }
}
