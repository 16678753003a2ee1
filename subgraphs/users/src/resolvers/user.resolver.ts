import { requireViewer, type RateLimits, type RequestContext, ViewerDependent } from '@chirpchat/kit';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { User } from '../entities/user.entity.js';
import { SearchUsersArgs } from '../inputs/search-users.args.js';
import { UpdateProfileInput } from '../inputs/update-profile.input.js';
import type { ProfileService } from '../services/profile.service.js';
import type { UserService } from '../services/user.service.js';
import { isSelf } from './self.js';

/** Profiles: the viewer's own, other people's, and finding people. */
@Resolver((_of) => User)
export class UserResolver {
  constructor(
    private readonly users: UserService,
    private readonly profiles: ProfileService,
    private readonly limits: RateLimits,
  ) {}

  /** The signed-in user, or null without a valid access token. */
  @Query((_returns) => User, { nullable: true })
  async me(@Ctx() context: RequestContext): Promise<User | null> {
    return context.viewer ? this.users.byId(context.em, context.viewer.id) : null;
  }

  @Query((_returns) => User, { nullable: true })
  user(@Arg('id', (_type) => ID) id: string, @Ctx() context: RequestContext): Promise<User | null> {
    requireViewer(context);
    return this.users.byId(context.em, id);
  }

  /** Counts towards the viewer's `search` limit, with message searches. */
  @Query((_returns) => [User])
  async searchUsers(@Args((_type) => SearchUsersArgs) { query, first }: SearchUsersArgs, @Ctx() context: RequestContext): Promise<User[]> {
    await this.limits.consume('search', requireViewer(context).id);
    return this.users.search(context.em, query, first);
  }

  @Query((_returns) => [User], {
    description: 'The users with these usernames (case-insensitive, at most 50), in the order asked; unknown names are left out.',
  })
  usersByUsernames(@Arg('usernames', (_type) => [String]) usernames: string[], @Ctx() context: RequestContext): Promise<User[]> {
    requireViewer(context);
    return this.users.byUsernames(context.em, usernames);
  }

  @Mutation((_returns) => User)
  updateProfile(@Arg('input', (_type) => UpdateProfileInput) input: UpdateProfileInput, @Ctx() context: RequestContext): Promise<User> {
    return this.profiles.update(context.em, requireViewer(context).id, input, context.authorization);
  }

  /** Only people themselves see their email address. */
  @ViewerDependent()
  @FieldResolver((_returns) => String, { nullable: true, description: 'Only for the viewer themself, else null.' })
  email(@Root() user: User, @Ctx() context: RequestContext): string | null {
    return isSelf(context, user.id) ? user.email : null;
  }
}
