import { Migration } from '@mikro-orm/migrations';

/** Accounts and refresh-token chains (generated from the entities, then committed). */
export class Migration20261121000000_init extends Migration {
  override up(): void {
    this.addSql(`create schema if not exists "users";`);
    this.addSql(
      `create table "users"."users" ("id" uuid not null, "username" varchar(32) not null, "email" varchar(254) not null, "display_name" varchar(64) not null, "password_hash" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`alter table "users"."users" add constraint "users_username_unique" unique ("username");`);
    this.addSql(`alter table "users"."users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(
      `create table "users"."refresh_tokens" ("id" uuid not null, "user_id" uuid not null, "family" uuid not null, "secret_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`create index "refresh_tokens_user_id_index" on "users"."refresh_tokens" ("user_id");`);
    this.addSql(`create index "refresh_tokens_family_index" on "users"."refresh_tokens" ("family");`);
    this.addSql(
      `alter table "users"."refresh_tokens" add constraint "refresh_tokens_user_id_foreign" foreign key ("user_id") references "users"."users" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "users"."refresh_tokens" cascade;`);
    this.addSql(`drop table if exists "users"."users" cascade;`);
  }
}
