import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261121000000_init } from './Migration20261121000000_init.js';
import { Migration20261123000000_avatar } from './Migration20261123000000_avatar.js';
import { Migration20261204000000_revocation } from './Migration20261204000000_revocation.js';

/** Every committed migration, oldest first; the kit applies the missing ones at start-up. */
export const migrations: MigrationObject[] = [
  { name: 'Migration20261121000000_init', class: Migration20261121000000_init },
  { name: 'Migration20261123000000_avatar', class: Migration20261123000000_avatar },
  { name: 'Migration20261204000000_revocation', class: Migration20261204000000_revocation },
];
