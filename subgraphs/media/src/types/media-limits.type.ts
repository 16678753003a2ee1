import { Field, ObjectType } from 'type-graphql';
import { MediaKindLimits } from './media-kind-limits.type.js';

/**
 * What may be uploaded, so that a client refuses at once, with a reason, a file the server would
 * refuse after its upload. The server checks again whatever the client does.
 */
@ObjectType('MediaLimits')
export class MediaLimits {
  @Field((_type) => [MediaKindLimits], { description: 'One entry per kind that may be uploaded; a type in none of them is refused.' })
  kinds!: MediaKindLimits[];
}
