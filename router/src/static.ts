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
 * a second line of defence behind rendering message text as text.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

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
 */
export function webAppRoutes(distDir: string, logger: Logger): ((app: Express) => void) | undefined {
  const indexHtml = path.join(distDir, 'index.html');
  if (!existsSync(indexHtml)) {
    logger.warn({ distDir }, 'the web app is not built (no index.html): serving the API only; `npm run build` builds it');
    return undefined;
  }
  logger.info({ distDir }, 'serving the web app');
  return (app) => {
    app.use(
      express.static(distDir, {
        index: false,
        setHeaders(res, filePath) {
          const relative = path.relative(distDir, filePath);
          res.setHeader('Cache-Control', cacheControl(relative));
          res.setHeader('X-Content-Type-Options', 'nosniff');
          if (relative === 'index.html') res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
        },
      }),
    );
    app.use((req: Request, res: Response, next: NextFunction) => {
      const isPage = (req.method === 'GET' || req.method === 'HEAD') && !SERVER_PATHS.test(req.path) && path.extname(req.path) === '';
      if (!isPage) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.sendFile(indexHtml);
    });
  };
}
