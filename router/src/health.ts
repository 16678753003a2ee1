import type { Request, Response } from 'express';

/**
 * `GET /health`: 200 `{"status":"ok"}` once every subgraph answers its own health check,
 * 503 with the names of those that don't.
 */
export function healthHandler(subgraphUrls: Record<string, string>, timeoutMs = 2000) {
  return async (_req: Request, res: Response) => {
    const checks = await Promise.all(
      Object.entries(subgraphUrls).map(async ([name, url]) => {
        try {
          const response = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(timeoutMs) });
          return response.ok ? null : name;
        } catch {
          return name;
        }
      }),
    );
    const unavailable = checks.filter((name): name is string => name !== null);
    if (unavailable.length === 0) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unavailable', unavailable });
  };
}
