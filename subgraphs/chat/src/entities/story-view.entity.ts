import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Story } from './story.entity.js';

/** That a user has seen a story; one row per (story, user), deleted with the story. */
@Entity({ tableName: 'story_view' })
export class StoryView {
  @ManyToOne(() => Story, { primary: true, mapToPk: true, fieldName: 'story_id', deleteRule: 'cascade' })
  storyId!: string;

  @PrimaryKey({ type: 'text' })
  userId!: string;

  @Property({ type: 'datetime', length: 3 })
  viewedAt!: Date;
}
