import { Field, Int, ObjectType } from 'type-graphql';
import { MediaKind } from './media-kind.enum.js';

/** What the server accepts for one kind of media. */
@ObjectType('MediaKindLimits')
export class MediaKindLimits {
  @Field((_type) => MediaKind)
  kind!: MediaKind;

  @Field((_type) => [String], { description: 'Declared MIME types accepted for this kind; the file’s own bytes must agree.' })
  mimeTypes!: string[];

  @Field((_type) => Int, { description: 'The largest file accepted, in bytes.' })
  maxBytes!: number;
}
