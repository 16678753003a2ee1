import { Migration } from '@mikro-orm/migrations';

/** Profile pictures: the id of an image in the media subgraph, which owns its format (so text). */
export class Migration20261123000000_avatar extends Migration {
  override up(): void {
    this.addSql(`alter table "users"."users" add column "avatar_media_id" text null;`);
  }

  override down(): void {
    this.addSql(`alter table "users"."users" drop column "avatar_media_id";`);
  }
}
