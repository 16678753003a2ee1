import type { MediaStore } from './store.js';

export interface CloudinaryStoreOptions {
  cloudinaryUrl: string;
  authTokenKey: string;
  notificationUrl: string;
  folder?: string;
}

/** Placeholder until the Cloudinary store lands. */
export function createCloudinaryStore(_options: CloudinaryStoreOptions): MediaStore {
  throw new Error('The Cloudinary store is not built yet.');
}
