import { Migration } from '@mikro-orm/migrations';

/**
 * Replies, mentions, edits, tombstones, reactions, messages hidden for one
 * person, and full-text search.
 *
 * Search uses the `simple` configuration: it lower-cases and splits words but neither stems nor
 * drops stop words, so it works the same for every language people write in (an `english`
 * configuration would mangle the others). The generated column keeps the index current on every
 * write, tombstones included (their text is null, so they match nothing).
 */
export class Migration20261122000000_message_edits_reactions_search extends Migration {
  override name = 'Migration20261122000000_message_edits_reactions_search';

  override up(): void {
    this.addSql(
      `alter table "chat"."message" add column "edited_at" timestamptz(3) null, add column "deleted_at" timestamptz(3) null, add column "reply_to_id" uuid null, add column "mention_ids" text[] not null default '{}', add column "search" tsvector generated always as (to_tsvector('simple', coalesce("text", ''))) stored;`,
    );
    // Replies point into the same conversation (the service checks that). Deleting for everyone
    // keeps the row, so `set null` only matters for rows removed by hand.
    this.addSql(
      `alter table "chat"."message" add constraint "message_reply_to_id_foreign" foreign key ("reply_to_id") references "chat"."message" ("id") on delete set null;`,
    );
    this.addSql(`create index "message_reply_to_id_index" on "chat"."message" ("reply_to_id") where "reply_to_id" is not null;`);
    this.addSql(
      `alter table "chat"."message" add constraint "message_tombstone_check" check ("deleted_at" is null or ("text" is null and "mention_ids" = '{}'));`,
    );
    this.addSql(`create index "message_search_index" on "chat"."message" using gin ("search");`);

    this.addSql(
      `create table "chat"."reaction" ("message_id" uuid not null, "user_id" text not null, "emoji" text not null, "created_at" timestamptz(3) not null, primary key ("message_id", "user_id", "emoji"));`,
    );
    this.addSql(
      `alter table "chat"."reaction" add constraint "reaction_message_id_foreign" foreign key ("message_id") references "chat"."message" ("id") on delete cascade;`,
    );
    this.addSql(`alter table "chat"."reaction" add constraint "reaction_emoji_check" check (octet_length("emoji") between 1 and 64);`);

    this.addSql(
      `create table "chat"."hidden_message" ("user_id" text not null, "message_id" uuid not null, "hidden_at" timestamptz(3) not null, primary key ("user_id", "message_id"));`,
    );
    this.addSql(`create index "hidden_message_message_id_index" on "chat"."hidden_message" ("message_id");`);
    this.addSql(
      `alter table "chat"."hidden_message" add constraint "hidden_message_message_id_foreign" foreign key ("message_id") references "chat"."message" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "chat"."hidden_message" cascade;`);
    this.addSql(`drop table if exists "chat"."reaction" cascade;`);
    this.addSql(`drop index if exists "chat"."message_search_index";`);
    this.addSql(`alter table "chat"."message" drop constraint if exists "message_tombstone_check";`);
    this.addSql(`drop index if exists "chat"."message_reply_to_id_index";`);
    this.addSql(`alter table "chat"."message" drop constraint if exists "message_reply_to_id_foreign";`);
    this.addSql(
      `alter table "chat"."message" drop column "search", drop column "mention_ids", drop column "reply_to_id", drop column "deleted_at", drop column "edited_at";`,
    );
  }
}
