import { Migration } from '@mikro-orm/migrations';

/**
 * Files on messages and stories. The media subgraph owns files and their id format, so the ids
 * are text. The GIN index on `media_ids` answers "is this file already on a message?" (`&&`); the
 * partial unique index keeps a file on one story. A message has text or files (a tombstone has
 * neither), and a story has text or a file.
 */
export class Migration20261123000000_media extends Migration {
  override name = 'Migration20261123000000_media';

  override up(): void {
    this.addSql(`alter table "chat"."message" add column "media_ids" text[] not null default '{}';`);
    this.addSql(`create index "message_media_ids_index" on "chat"."message" using gin ("media_ids");`);
    this.addSql(`alter table "chat"."message" add constraint "message_media_ids_check" check (cardinality("media_ids") <= 10);`);
    this.addSql(
      `alter table "chat"."message" add constraint "message_body_check" check (case when "deleted_at" is null then "text" is not null or "media_ids" <> '{}' else "media_ids" = '{}' end);`,
    );

    this.addSql(`alter table "chat"."story" add column "media_id" text null;`);
    this.addSql(`create unique index "story_media_id_unique" on "chat"."story" ("media_id") where "media_id" is not null;`);
    this.addSql(`alter table "chat"."story" add constraint "story_body_check" check ("text" is not null or "media_id" is not null);`);
  }

  override down(): void {
    this.addSql(`alter table "chat"."story" drop constraint if exists "story_body_check";`);
    this.addSql(`drop index if exists "chat"."story_media_id_unique";`);
    this.addSql(`alter table "chat"."story" drop column "media_id";`);
    this.addSql(`alter table "chat"."message" drop constraint if exists "message_body_check";`);
    this.addSql(`alter table "chat"."message" drop constraint if exists "message_media_ids_check";`);
    this.addSql(`drop index if exists "chat"."message_media_ids_index";`);
    this.addSql(`alter table "chat"."message" drop column "media_ids";`);
  }
}
