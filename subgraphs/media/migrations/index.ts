import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122100000_init } from './Migration20261122100000_init.js';

/** The media schema's migrations, oldest first; `openDatabase` applies those not yet applied. */
export const mediaMigrations: MigrationObject[] = [{ name: 'Migration20261122100000_init', class: Migration20261122100000_init }];
