import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Chat owns `Story` and the id of its picture or clip; media resolves it into `media`. */
@ObjectType('Story')
@Directive('@key(fields: "id")')
export class Story {
  @Field((_type) => ID)
  id!: string;

  @Field((_type) => ID, { nullable: true })
  @Directive('@external')
  mediaId?: string | null;
}
