import { requireViewer, type RequestContext } from '@chirpchat/kit';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { CreateUploadInput } from '../inputs/create-upload.input.js';
import type { UploadService } from '../services/upload.service.js';
import { UploadTicket } from '../types/upload-ticket.type.js';

@Resolver()
export class UploadResolver {
  constructor(private readonly uploads: UploadService) {}

  @Mutation((_returns) => UploadTicket, {
    description: 'A signed ticket to upload one file straight to the store; then send the file’s id with sendMessage (mediaIds).',
  })
  createUpload(
    @Ctx() context: RequestContext,
    @Arg('input', (_type) => CreateUploadInput) input: CreateUploadInput,
  ): Promise<UploadTicket> {
    return this.uploads.createUpload(context.em, requireViewer(context), input, context.authorization);
  }
}
