import { Migration } from '@mikro-orm/migrations';

/**
 * Media rows (from the entity) and `notification_receipt`, the signatures of store notifications
 * already applied, so a captured notification replayed within its window is refused.
 */
export class Migration20261122100000_init extends Migration {
  override name = 'Migration20261122100000_init';

  override up(): void {
    this.addSql(
      `create table "media"."media" ("id" uuid not null, "uploader_id" text not null, "conversation_id" text null, "kind" text not null, "status" text not null, "mime_type" text not null, "filename" text null, "bytes" integer not null, "width" integer null, "height" integer null, "duration_seconds" double precision null, "store" text not null, "public_id" text not null, "format" text null, "variants" jsonb not null default '{}', "metadata" jsonb not null default '{}', "error" text null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, primary key ("id"));`,
    );
    this.addSql(`alter table "media"."media" add constraint "media_public_id_unique" unique ("public_id");`);
    this.addSql(`create index "media_conversation_index" on "media"."media" ("conversation_id");`);
    this.addSql(`create index "media_uploader_index" on "media"."media" ("uploader_id", "created_at");`);
    this.addSql(`create index "media_unfinished_index" on "media"."media" ("created_at") where "status" = 'UPLOADING';`);
    this.addSql(`alter table "media"."media" add constraint "media_kind_check" check ("kind" in ('IMAGE', 'VIDEO', 'AUDIO', 'DOCUMENT'));`);
    this.addSql(
      `alter table "media"."media" add constraint "media_status_check" check ("status" in ('UPLOADING', 'PROCESSING', 'READY', 'FAILED'));`,
    );
    this.addSql(
      `create table "media"."notification_receipt" ("receipt" text not null, "received_at" timestamptz(3) not null, primary key ("receipt"));`,
    );
  }
}
