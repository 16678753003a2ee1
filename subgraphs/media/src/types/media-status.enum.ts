import { registerEnumType } from 'type-graphql';

/** UPLOADING until the bytes are in; PROCESSING until the variants are made; then READY, or FAILED. */
export enum MediaStatus {
  UPLOADING = 'UPLOADING',
  PROCESSING = 'PROCESSING',
  READY = 'READY',
  FAILED = 'FAILED',
}

registerEnumType(MediaStatus, { name: 'MediaStatus' });
