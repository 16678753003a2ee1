import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Ctx, Query, Resolver } from 'type-graphql';
import { KIND_RULES, type KindRule } from '../kinds.js';
import { MediaKind } from '../types/media-kind.enum.js';
import { MediaLimits } from '../types/media-limits.type.js';

@Resolver()
export class MediaLimitsResolver {
  @Query((_returns) => MediaLimits, {
    description: 'What createUpload accepts: per kind, the MIME types and the largest file (else INVALID_FILE_TYPE, FILE_TOO_LARGE).',
  })
  mediaLimits(@Ctx() context: RequestContext): MediaLimits {
    requireViewer(context);
    const rules = Object.entries(KIND_RULES) as Array<[MediaKind, KindRule]>;
    return { kinds: rules.map(([kind, rule]) => ({ kind, mimeTypes: [...rule.mimeTypes], maxBytes: rule.maxBytes })) };
  }
}
