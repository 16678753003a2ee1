import { Migration } from '@mikro-orm/migrations';

/**
 * Stopping access tokens before they expire: a per-user token generation (raised by a password
 * change or an account deletion), deleted accounts, and what a session list shows about each
 * refresh family (the client that started it).
 */
export class Migration20261204000000_revocation extends Migration {
  override up(): void {
    this.addSql(`alter table "users"."users" add column "token_generation" integer not null default 0;`);
    this.addSql(`alter table "users"."users" add column "deleted_at" timestamptz null;`);
    this.addSql(`alter table "users"."refresh_tokens" add column "user_agent" text null, add column "address" text null;`);
  }

  override down(): void {
    this.addSql(`alter table "users"."refresh_tokens" drop column "user_agent", drop column "address";`);
    this.addSql(`alter table "users"."users" drop column "deleted_at";`);
    this.addSql(`alter table "users"."users" drop column "token_generation";`);
  }
}
