import { ForbiddenError, requireViewer, transformChannel, type Bus, type Channel, type RequestContext } from '@chirpchat/kit';
import { Media } from '../entities/media.entity.js';
import type { MediaAccessService } from './access.service.js';

/** What travels on the bus: only the id; each subscriber loads the row and checks access itself. */
export interface MediaProcessedEvent {
  mediaId: string;
}

const conversationTopic = (conversationId: string) => `mediaProcessed:conversation:${conversationId}`;
const uploaderTopic = (userId: string) => `mediaProcessed:user:${userId}`;

/**
 * `mediaProcessed`: published when a file becomes READY (or FAILED), to the members of its
 * conversation and to its uploader. Membership is checked when subscribing and again for every
 * event, so someone removed from a conversation stops hearing about its files at once.
 */
export class MediaEventsService {
  constructor(
    private readonly bus: Bus,
    private readonly access: MediaAccessService,
  ) {}

  async publishProcessed(media: Media): Promise<void> {
    const event: MediaProcessedEvent = { mediaId: media.id };
    await this.bus.publish(uploaderTopic(media.uploaderId), event);
    if (media.conversationId) await this.bus.publish(conversationTopic(media.conversationId), event);
  }

  /**
   * With a conversation: its files, for members. Without: the viewer's own uploads (profile
   * pictures and stories included).
   * @throws ForbiddenError before anything is subscribed when the viewer is not in the conversation
   */
  async subscribe(context: RequestContext, conversationId: string | null): Promise<Channel<Media>> {
    const viewer = requireViewer(context);
    if (conversationId !== null && !(await this.access.isMember(conversationId, viewer, context.authorization))) {
      throw new ForbiddenError('You are not in this conversation.');
    }
    const source = await this.bus.subscribe<MediaProcessedEvent>(
      conversationId === null ? uploaderTopic(viewer.id) : conversationTopic(conversationId),
    );
    return transformChannel(source, async ({ mediaId }) => {
      const media = await context.em.fork().findOne(Media, mediaId);
      if (!media) return undefined;
      if (conversationId !== null && !(await this.access.isMember(conversationId, viewer, context.authorization))) return undefined;
      return media;
    });
  }
}
