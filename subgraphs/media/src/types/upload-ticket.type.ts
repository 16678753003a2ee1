import { Field, Int, ObjectType } from 'type-graphql';
import { Media } from '../entities/media.entity.js';
import { JsonScalar } from './json.scalar.js';

/** How to upload one file straight to the store, without passing through a subgraph. */
@ObjectType('UploadTicket')
export class UploadTicket {
  @Field((_type) => Media, { description: 'Status UPLOADING until the file arrives.' })
  media!: Media;

  @Field((_type) => String, {
    description:
      'Multipart POST target: Cloudinary’s upload API, or a path on the router’s origin (local store). Large files go in chunks with `Content-Range` and `X-Unique-Upload-Id`, as Cloudinary’s chunked upload does.',
  })
  uploadUrl!: string;

  @Field((_type) => JsonScalar, { description: 'Form fields to send with the file (signature, timestamp, …), before the file.' })
  fields!: Record<string, string>;

  @Field((_type) => Date)
  expiresAt!: Date;

  @Field((_type) => Int, { description: 'The largest file this ticket accepts, in bytes.' })
  maxBytes!: number;
}
