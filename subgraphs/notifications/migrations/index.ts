import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_init } from './Migration20261122000000_init.js';

/** The notifications schema's migrations, oldest first; `openDatabase` applies those not yet applied. */
export const notificationsMigrations: MigrationObject[] = [{ name: 'Migration20261122000000_init', class: Migration20261122000000_init }];
