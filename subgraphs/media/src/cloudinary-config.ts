import { ConfigError } from '@chirpchat/kit';
import type { CloudinaryOptions } from './index.js';

/**
 * Cloudinary when CLOUDINARY_URL is set: it then also needs the token key (expiring URLs) and the
 * public origin (its notifications must reach us).
 */
export function cloudinaryOptions(config: {
  CLOUDINARY_URL?: string;
  CLOUDINARY_AUTH_TOKEN_KEY?: string;
  PUBLIC_URL?: string;
}): CloudinaryOptions | undefined {
  if (!config.CLOUDINARY_URL) return undefined;
  if (!config.CLOUDINARY_AUTH_TOKEN_KEY) {
    throw new ConfigError(
      'CLOUDINARY_AUTH_TOKEN_KEY',
      'is required with CLOUDINARY_URL: media URLs must expire (token-based authentication)',
    );
  }
  if (!config.PUBLIC_URL) throw new ConfigError('PUBLIC_URL', 'is required with CLOUDINARY_URL: Cloudinary sends its notifications there');
  return { url: config.CLOUDINARY_URL, authTokenKey: config.CLOUDINARY_AUTH_TOKEN_KEY, publicUrl: config.PUBLIC_URL };
}
