import { ArgsType, Field, ID, Int } from 'type-graphql';

/** A page of audit events, newest first. */
@ArgsType()
export class AuditEventsArgs {
  /** 1–100. */
  @Field((_type) => Int, { nullable: true, defaultValue: 50 })
  first!: number;

  /** The last event of the previous page: the page continues with older ones. */
  @Field((_type) => ID, { nullable: true })
  before?: string | null;
}
