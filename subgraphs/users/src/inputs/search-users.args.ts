import { ArgsType, Field, Int } from 'type-graphql';

/** An args class rather than two `@Arg`s, which type-graphql would print in reverse order. */
@ArgsType()
export class SearchUsersArgs {
  /** 1–64 characters, matched anywhere in the username or display name. */
  @Field((_type) => String)
  query!: string;

  /** 1–50. */
  @Field((_type) => Int, { nullable: true, defaultValue: 20 })
  first!: number;
}
