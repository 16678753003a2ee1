import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261121000000_init } from './Migration20261121000000_init.js';
import { Migration20261122000000_depth_a } from './Migration20261122000000_depth_a.js';
import { Migration20261122010000_depth_b } from './Migration20261122010000_depth_b.js';
import { Migration20261123000000_media } from './Migration20261123000000_media.js';

/** The chat schema's migrations, oldest first; `openDatabase` applies those not yet applied. */
export const chatMigrations: MigrationObject[] = [
  { name: 'Migration20261121000000_init', class: Migration20261121000000_init },
  { name: 'Migration20261122000000_depth_a', class: Migration20261122000000_depth_a },
  { name: 'Migration20261122010000_depth_b', class: Migration20261122010000_depth_b },
  { name: 'Migration20261123000000_media', class: Migration20261123000000_media },
];
