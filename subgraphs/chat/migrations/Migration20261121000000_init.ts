import { Migration } from '@mikro-orm/migrations';

/**
 * Conversations, members and messages. Generated from the entities, plus what the generator
 * cannot express: the activity index that `conversations` sorts by, and checks that keep
 * the invariants true even for writes that bypass the services.
 */
export class Migration20261121000000_init extends Migration {
  override name = 'Migration20261121000000_init';

  override up(): void {
    this.addSql(
      `create table "chat"."conversation" ("id" uuid not null, "kind" text not null, "title" text null, "direct_key" text null, "created_at" timestamptz(3) not null, "last_message_at" timestamptz(3) null, "last_seq" int not null default 0, primary key ("id"));`,
    );
    this.addSql(`alter table "chat"."conversation" add constraint "conversation_direct_key_unique" unique ("direct_key");`);
    this.addSql(
      `alter table "chat"."conversation" add constraint "conversation_kind_check" check ("kind" in ('DIRECT', 'GROUP', 'CHANNEL'));`,
    );
    this.addSql(
      `alter table "chat"."conversation" add constraint "conversation_direct_key_check" check (("kind" = 'DIRECT') = ("direct_key" is not null));`,
    );
    this.addSql(
      `alter table "chat"."conversation" add constraint "conversation_title_check" check ("title" is null or char_length("title") between 1 and 100);`,
    );
    this.addSql(`alter table "chat"."conversation" add constraint "conversation_last_seq_check" check ("last_seq" >= 0);`);
    this.addSql(
      `create index "conversation_activity_index" on "chat"."conversation" (coalesce("last_message_at", "created_at") desc, "id" desc);`,
    );

    this.addSql(
      `create table "chat"."member" ("conversation_id" uuid not null, "user_id" text not null, "role" text not null, "joined_at" timestamptz(3) not null, primary key ("conversation_id", "user_id"));`,
    );
    this.addSql(`create index "member_user_index" on "chat"."member" ("user_id", "conversation_id");`);
    this.addSql(`alter table "chat"."member" add constraint "member_role_check" check ("role" in ('OWNER', 'ADMIN', 'MEMBER'));`);

    this.addSql(
      `create table "chat"."message" ("id" uuid not null, "conversation_id" uuid not null, "seq" int not null, "client_id" text not null, "sender_id" text not null, "text" text null, "created_at" timestamptz(3) not null, primary key ("id"));`,
    );
    this.addSql(`alter table "chat"."message" add constraint "message_sender_client_id_unique" unique ("sender_id", "client_id");`);
    this.addSql(`alter table "chat"."message" add constraint "message_conversation_seq_unique" unique ("conversation_id", "seq");`);
    this.addSql(`alter table "chat"."message" add constraint "message_seq_check" check ("seq" >= 1);`);
    this.addSql(`alter table "chat"."message" add constraint "message_client_id_check" check (char_length("client_id") between 1 and 64);`);
    this.addSql(`alter table "chat"."message" add constraint "message_text_check" check ("text" is null or char_length("text") <= 10000);`);

    this.addSql(
      `alter table "chat"."member" add constraint "member_conversation_id_foreign" foreign key ("conversation_id") references "chat"."conversation" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "chat"."message" add constraint "message_conversation_id_foreign" foreign key ("conversation_id") references "chat"."conversation" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "chat"."message" cascade;`);
    this.addSql(`drop table if exists "chat"."member" cascade;`);
    this.addSql(`drop table if exists "chat"."conversation" cascade;`);
  }
}
