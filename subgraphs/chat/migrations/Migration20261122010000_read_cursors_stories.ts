import { Migration } from '@mikro-orm/migrations';

/**
 * Receipts and stories: each member's delivered and read cursors (only ever raised, and
 * read never ahead of delivered), and stories with their views. The story indexes serve the
 * two ways stories are read: by author among the viewer's contacts, and by expiry for cleanup.
 */
export class Migration20261122010000_read_cursors_stories extends Migration {
  override name = 'Migration20261122010000_read_cursors_stories';

  override up(): void {
    this.addSql(
      `alter table "chat"."member" add column "last_delivered_seq" int not null default 0, add column "last_read_seq" int not null default 0;`,
    );
    this.addSql(
      `alter table "chat"."member" add constraint "member_cursors_check" check ("last_read_seq" >= 0 and "last_delivered_seq" >= "last_read_seq");`,
    );

    this.addSql(
      `create table "chat"."story" ("id" uuid not null, "author_id" text not null, "text" text null, "created_at" timestamptz(3) not null, "expires_at" timestamptz(3) not null, primary key ("id"));`,
    );
    this.addSql(`create index "story_author_index" on "chat"."story" ("author_id", "expires_at");`);
    this.addSql(`create index "story_expires_at_index" on "chat"."story" ("expires_at");`);
    this.addSql(
      `alter table "chat"."story" add constraint "story_text_check" check ("text" is null or char_length("text") between 1 and 1000);`,
    );
    this.addSql(`alter table "chat"."story" add constraint "story_expiry_check" check ("expires_at" > "created_at");`);

    this.addSql(
      `create table "chat"."story_view" ("story_id" uuid not null, "user_id" text not null, "viewed_at" timestamptz(3) not null, primary key ("story_id", "user_id"));`,
    );
    this.addSql(
      `alter table "chat"."story_view" add constraint "story_view_story_id_foreign" foreign key ("story_id") references "chat"."story" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "chat"."story_view" cascade;`);
    this.addSql(`drop table if exists "chat"."story" cascade;`);
    this.addSql(`alter table "chat"."member" drop constraint if exists "member_cursors_check";`);
    this.addSql(`alter table "chat"."member" drop column "last_delivered_seq", drop column "last_read_seq";`);
  }
}
