import { Migration } from '@mikro-orm/migrations';

/**
 * Push subscriptions, mutes and settings (from the entities), plus two tables the workers write
 * with SQL: `delivery` records each (message, subscription) push that went out, so a job that
 * runs again does not push twice; `burst` counts the pushes a user got for a conversation in the
 * current burst, for "3 new messages" instead of three notifications.
 */
export class Migration20261122000000_init extends Migration {
  override name = 'Migration20261122000000_init';

  override up(): void {
    this.addSql(
      `create table "notifications"."push_subscription" ("id" uuid not null, "user_id" text not null, "endpoint" text not null, "p256dh" text not null, "auth" text not null, "user_agent" text null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, primary key ("id"));`,
    );
    this.addSql(`alter table "notifications"."push_subscription" add constraint "push_subscription_endpoint_unique" unique ("endpoint");`);
    this.addSql(`create index "push_subscription_user_index" on "notifications"."push_subscription" ("user_id");`);
    this.addSql(
      `alter table "notifications"."push_subscription" add constraint "push_subscription_endpoint_check" check (char_length("endpoint") <= 2048);`,
    );
    this.addSql(
      `alter table "notifications"."push_subscription" add constraint "push_subscription_user_agent_check" check ("user_agent" is null or char_length("user_agent") <= 512);`,
    );

    this.addSql(
      `create table "notifications"."conversation_mute" ("user_id" text not null, "conversation_id" text not null, "until" timestamptz(3) null, "created_at" timestamptz(3) not null, primary key ("user_id", "conversation_id"));`,
    );

    this.addSql(
      `create table "notifications"."notification_settings" ("user_id" text not null, "show_previews" boolean not null default true, "notify_mentions_when_muted" boolean not null default false, "updated_at" timestamptz(3) not null, primary key ("user_id"));`,
    );

    this.addSql(
      `create table "notifications"."delivery" ("message_id" text not null, "subscription_id" uuid not null, "sent_at" timestamptz(3) not null default now(), primary key ("message_id", "subscription_id"));`,
    );
    this.addSql(
      `alter table "notifications"."delivery" add constraint "delivery_subscription_id_foreign" foreign key ("subscription_id") references "notifications"."push_subscription" ("id") on delete cascade;`,
    );
    this.addSql(`create index "delivery_subscription_index" on "notifications"."delivery" ("subscription_id");`);
    this.addSql(`create index "delivery_sent_at_index" on "notifications"."delivery" ("sent_at");`);

    this.addSql(
      `create table "notifications"."burst" ("user_id" text not null, "conversation_id" text not null, "count" int not null, "last_at" timestamptz(3) not null, primary key ("user_id", "conversation_id"));`,
    );
    this.addSql(`create index "burst_last_at_index" on "notifications"."burst" ("last_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "notifications"."burst" cascade;`);
    this.addSql(`drop table if exists "notifications"."delivery" cascade;`);
    this.addSql(`drop table if exists "notifications"."notification_settings" cascade;`);
    this.addSql(`drop table if exists "notifications"."conversation_mute" cascade;`);
    this.addSql(`drop table if exists "notifications"."push_subscription" cascade;`);
  }
}
