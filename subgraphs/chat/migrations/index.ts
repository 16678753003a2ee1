import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261121000000_init } from './Migration20261121000000_init.js';
import { Migration20261122000000_message_edits_reactions_search } from './Migration20261122000000_message_edits_reactions_search.js';
import { Migration20261122010000_read_cursors_stories } from './Migration20261122010000_read_cursors_stories.js';
import { Migration20261123000000_media } from './Migration20261123000000_media.js';

/** The chat schema's migrations, oldest first; `openDatabase` applies those not yet applied. */
export const chatMigrations: MigrationObject[] = [
  { name: 'Migration20261121000000_init', class: Migration20261121000000_init },
  { name: 'Migration20261122000000_message_edits_reactions_search', class: Migration20261122000000_message_edits_reactions_search },
  { name: 'Migration20261122010000_read_cursors_stories', class: Migration20261122010000_read_cursors_stories },
  { name: 'Migration20261123000000_media', class: Migration20261123000000_media },
];

/** Names these migrations had before they were named after what they do. */
export const chatRenamedMigrations: Readonly<Record<string, string>> = {
  Migration20261122000000_depth_a: 'Migration20261122000000_message_edits_reactions_search',
  Migration20261122010000_depth_b: 'Migration20261122010000_read_cursors_stories',
};
