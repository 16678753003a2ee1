import { Field, ObjectType } from 'type-graphql';

/** Where a page sits in a longer list; see API.md, "Paging". */
@ObjectType('PageInfo')
export class PageInfo {
  /** Whether items exist after `endCursor` (newer messages; older conversations). */
  @Field((_type) => Boolean)
  hasNextPage!: boolean;

  /** Whether items exist before `startCursor` (older messages). */
  @Field((_type) => Boolean)
  hasPreviousPage!: boolean;

  @Field((_type) => String, { nullable: true })
  startCursor!: string | null;

  @Field((_type) => String, { nullable: true })
  endCursor!: string | null;
}
