import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

/** A user's notification preferences; a user without a row has the defaults. */
@ObjectType('NotificationSettings')
@Entity({ tableName: 'notification_settings' })
export class NotificationSettings {
  @PrimaryKey({ type: 'text' })
  userId!: string;

  @Field((_type) => Boolean, { description: 'Show the start of the message in pushes; off: only who wrote, and where.' })
  @Property({ type: 'boolean', default: true })
  showPreviews: boolean & Opt = true;

  @Field((_type) => Boolean, { description: 'Push mentions of me even in conversations I muted.' })
  @Property({ type: 'boolean', default: false })
  notifyMentionsWhenMuted: boolean & Opt = false;

  @Property({ type: 'datetime', length: 3 })
  updatedAt: Date & Opt = new Date();
}
