import { requireViewer, type RateLimits, type RequestContext } from '@chirpchat/kit';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { CreateUploadInput } from '../inputs/create-upload.input.js';
import type { UploadService } from '../services/upload.service.js';
import { UploadTicket } from '../types/upload-ticket.type.js';

@Resolver()
export class UploadResolver {
  constructor(
    private readonly uploads: UploadService,
    private readonly limits: RateLimits,
  ) {}

  @Mutation((_returns) => UploadTicket, {
    description: 'A signed ticket to upload one file straight to the store; then send the file’s id with sendMessage (mediaIds).',
  })
  async createUpload(
    @Ctx() context: RequestContext,
    @Arg('input', (_type) => CreateUploadInput) input: CreateUploadInput,
  ): Promise<UploadTicket> {
    const viewer = requireViewer(context);
    await this.limits.consume('upload', viewer.id);
    return this.uploads.createUpload(context.em, viewer, input, context.authorization);
  }
}
