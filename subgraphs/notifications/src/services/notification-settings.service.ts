import type { EntityManager, Viewer } from '@chirpchat/kit';
import { NotificationSettings } from '../entities/notification-settings.entity.js';
import type { UpdateNotificationSettingsInput } from '../inputs/update-notification-settings.input.js';

/** A user's notification preferences; nothing is stored until they change one. */
export class NotificationSettingsService {
  async get(em: EntityManager, viewer: Viewer): Promise<NotificationSettings> {
    return (
      (await em.findOne(NotificationSettings, { userId: viewer.id })) ?? Object.assign(new NotificationSettings(), { userId: viewer.id })
    );
  }

  /** Changes the settings given; those left out (or null) keep their value, even when two updates race. */
  async update(em: EntityManager, viewer: Viewer, input: UpdateNotificationSettingsInput): Promise<NotificationSettings> {
    const showPreviews = input.showPreviews ?? null;
    const notifyMentionsWhenMuted = input.notifyMentionsWhenMuted ?? null;
    const [row] = await em.execute<Array<Record<string, unknown>>>(
      `insert into "notifications"."notification_settings" as s ("user_id", "show_previews", "notify_mentions_when_muted", "updated_at")
       values (?, coalesce(?::boolean, true), coalesce(?::boolean, false), now())
       on conflict ("user_id") do update set "show_previews" = coalesce(?::boolean, s."show_previews"),
         "notify_mentions_when_muted" = coalesce(?::boolean, s."notify_mentions_when_muted"), "updated_at" = now()
       returning *`,
      [viewer.id, showPreviews, notifyMentionsWhenMuted, showPreviews, notifyMentionsWhenMuted],
    );
    return em.map(NotificationSettings, row!);
  }
}
