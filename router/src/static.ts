import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '@chirpchat/kit';

/** Paths the router answers itself: the web app's fallback never shadows them. */
const SERVER_PATHS = /^\/(graphql|health|media)(\/|$)/;

/** Revalidated on every load, so that a deploy reaches people: the page, the service worker, the manifest. */
const ENTRY_FILES = new Set(['index.html', 'sw.js', 'manifest.webmanifest']);

/**
 * The page may run only its own scripts and talk only to its own origin (WebSocket included):
 * a second line of defence behind rendering message text as text. Media files come from the
 * origin too (the local store), or from `mediaOrigins` (Cloudinary); beyond that:
 * - `img-src blob:`: the composer previews the photos being sent from object URLs;
 * - `media-src blob:`: hls.js plays video through Media Source Extensions, from a blob: URL;
 * - `worker-src blob:`: hls.js and the photo compression (browser-image-compression) start their
 *   Web Workers from blob: URLs; the scripts those load are still held to `script-src 'self'`.
 */
export function contentSecurityPolicy(mediaOrigins: readonly string[] = []): string {
  const media = mediaOrigins.map((origin) => ` ${origin}`).join('');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${media}`,
    `media-src 'self' blob:${media}`,
    `connect-src 'self'${media}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function cacheControl(relativePath: string): string {
  if (relativePath.startsWith(`assets${path.sep}`)) return 'public, max-age=31536000, immutable'; // content-hashed names
  if (ENTRY_FILES.has(relativePath)) return 'no-cache';
  return 'public, max-age=3600';
}

/**
 * Routes that serve the built web app from `distDir`: its files with caching that suits each
 * (hashed assets forever, entry files revalidated), and index.html for every other page URL so
 * that client-side routes (`/c/<id>`) survive a reload. Undefined, with a log line, when the app
 * has not been built: the API is served either way.
 * @param mediaOrigins Origins other than the app's own that media is uploaded to and served from,
 *   e.g. `['https://api.cloudinary.com', 'https://res.cloudinary.com']` with Cloudinary: added to
 *   the page's img-src, media-src and connect-src, and nowhere else.
 *   @default [] (the local store serves media from the app's origin)
 */
export function webAppRoutes(distDir: string, logger: Logger, mediaOrigins: readonly string[] = []): ((app: Express) => void) | undefined {
  const indexHtml = path.join(distDir, 'index.html');
  if (!existsSync(indexHtml)) {
    logger.warn({ distDir }, 'the web app is not built (no index.html): serving the API only; `npm run build` builds it');
    return undefined;
  }
  logger.info({ distDir }, 'serving the web app');
  const policy = contentSecurityPolicy(mediaOrigins);
  return (app) => {
    app.use(
      express.static(distDir, {
        index: false,
        setHeaders(res, filePath) {
          const relative = path.relative(distDir, filePath);
          res.setHeader('Cache-Control', cacheControl(relative));
          res.setHeader('X-Content-Type-Options', 'nosniff');
          if (relative === 'index.html') res.setHeader('Content-Security-Policy', policy);
        },
      }),
    );
    app.use((req: Request, res: Response, next: NextFunction) => {
      const isPage = (req.method === 'GET' || req.method === 'HEAD') && !SERVER_PATHS.test(req.path) && path.extname(req.path) === '';
      if (!isPage) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Content-Security-Policy', policy);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.sendFile(indexHtml);
    });
  };
}
