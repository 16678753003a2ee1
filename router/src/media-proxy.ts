import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Express, Request, Response } from 'express';
import { ROUTER_SECRET_HEADER, type Logger } from '@chirpchat/kit';

/** Request headers the media subgraph needs: uploads (chunks), ranges for video seeking, store notifications. */
const FORWARDED_REQUEST_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'x-unique-upload-id',
  'range',
  'if-range',
  'if-none-match',
  'if-modified-since',
  'x-cld-timestamp',
  'x-cld-signature',
  'user-agent',
];

/** Response headers passed back; nothing else of the subgraph's leaks out. */
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'content-disposition',
  'accept-ranges',
  'cache-control',
  'etag',
  'last-modified',
  'x-content-type-options',
  'content-security-policy',
  'cross-origin-resource-policy',
];

/**
 * Forwards the media subgraph's HTTP paths from the router's origin — uploads to the local store,
 * signed files, the store webhook — streaming both ways, so a 200 MB upload or a video never sits
 * in the router's memory. The subgraph checks signatures itself; the router adds its secret, as
 * for GraphQL.
 */
export function mediaProxy(mediaGraphqlUrl: string, routerSecret: string, logger: Logger): (app: Express) => void {
  const target = new URL(mediaGraphqlUrl);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const forward = (req: Request, res: Response) => {
    const headers: Record<string, string> = { [ROUTER_SECRET_HEADER]: routerSecret };
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = send(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.originalUrl, headers },
      (answer) => {
        res.status(answer.statusCode ?? 502);
        for (const [name, value] of Object.entries(pick(answer.headers))) res.setHeader(name, value);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      logger.warn({ err: error, path: req.path }, 'media subgraph unreachable');
      if (!res.headersSent)
        res.status(502).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Media is unavailable right now: try again.' } });
      else res.destroy();
    });
    // A client that goes away mid-upload stops the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
  return (app) => {
    app.use('/media', forward);
    app.post('/webhooks/cloudinary/media-processed', forward);
  };
}

function pick(headers: IncomingHttpHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') picked[name] = value;
  }
  return picked;
}
