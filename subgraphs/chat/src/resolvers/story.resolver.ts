import { requireViewer, type RequestContext, ViewerDependent } from '@chirpchat/kit';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Story } from '../entities/story.entity.js';
import type { StoryService } from '../services/story.service.js';
import { User } from '../types/user.type.js';

/** Stories of the people the viewer shares a conversation with. */
@Resolver((_of) => Story)
export class StoryResolver {
  constructor(private readonly storyService: StoryService) {}

  @Query((_returns) => [Story], {
    description: 'Unexpired stories of the viewer and of everyone they share a conversation with, newest first.',
  })
  stories(@Ctx() context: RequestContext): Promise<Story[]> {
    return this.storyService.list(context.em, requireViewer(context));
  }

  @Mutation((_returns) => Story, {
    description: 'Posts a story for the next 24 hours: text (1–1000 characters), a file uploaded without a conversation, or both.',
  })
  postStory(
    @Ctx() context: RequestContext,
    @Arg('text', (_type) => String, { nullable: true }) text: string | null,
    @Arg('mediaId', (_type) => ID, { nullable: true }) mediaId: string | null,
  ): Promise<Story> {
    return this.storyService.post(context.em, requireViewer(context), text, mediaId, context.authorization);
  }

  @Mutation((_returns) => Boolean, { description: 'Only the author can delete a story.' })
  deleteStory(@Ctx() context: RequestContext, @Arg('id', (_type) => ID) id: string): Promise<boolean> {
    return this.storyService.delete(context.em, requireViewer(context), id);
  }

  @Mutation((_returns) => Boolean)
  markStoryViewed(@Ctx() context: RequestContext, @Arg('id', (_type) => ID) id: string): Promise<boolean> {
    return this.storyService.markViewed(context.em, requireViewer(context), id);
  }

  @FieldResolver((_returns) => User)
  author(@Root() story: Story): User {
    return { id: story.authorId };
  }

  @ViewerDependent()
  @FieldResolver((_returns) => Boolean)
  viewedByMe(@Root() story: Story, @Ctx() context: RequestContext): Promise<boolean> {
    return this.storyService.viewedBy(context.em, story.id, requireViewer(context).id);
  }
}
