import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntitySchema } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import { createLogger, openDatabase } from '@chirpchat/kit';
import { createTestDatabase } from '../support/environment.js';

class CreateNotes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "kit_test"."note" ("id" int primary key);`);
  }
}

const logger = createLogger({ level: 'silent' });
const note = new EntitySchema({ name: 'Note', properties: { id: { type: 'integer', primary: true } } });
let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function appliedNames(): Promise<string[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('select "name" from "kit_test"."mikro_orm_migrations" order by "id"');
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describe('openDatabase', () => {
  it('records a renamed migration under its new name instead of applying it again', async () => {
    const open = (name: string, renamedMigrations?: Record<string, string>) =>
      openDatabase({
        url: database.url,
        schema: 'kit_test',
        entities: [note as never],
        migrations: [{ name, class: CreateNotes }],
        logger,
        renamedMigrations,
      });
    await (await open('Migration1_work_item_a')).close();
    expect(await appliedNames()).toEqual(['Migration1_work_item_a']);

    // Applying it again would fail: the table exists.
    await (await open('Migration1_notes', { Migration1_work_item_a: 'Migration1_notes' })).close();
    expect(await appliedNames()).toEqual(['Migration1_notes']);
  });
});
