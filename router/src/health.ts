import type { Request, Response } from 'express';

/** What a subgraph's `/health` says of its bus (chat and media have one). */
interface SubgraphHealth {
  bus?: { liveDelivery?: string; pending?: number };
}

/**
 * `GET /health`: 200 `{"status":"ok","liveDelivery":"ok"}` once every subgraph answers its own
 * health check, 503 with the names of those that don't. When a subgraph's bus cannot reach Redis
 * (its events wait in its outbox), the product still serves and stores everything, so the answer
 * stays 200, with `"status":"degraded"`, `"liveDelivery":"degraded"` and those subgraphs named.
 */
export function healthHandler(subgraphUrls: Record<string, string>, timeoutMs = 2000) {
  return async (_req: Request, res: Response) => {
    const checks = await Promise.all(
      Object.entries(subgraphUrls).map(async ([name, url]) => {
        try {
          const response = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(timeoutMs) });
          if (!response.ok) return { name, up: false, liveDelivery: true };
          const body = (await response.json().catch(() => ({}))) as SubgraphHealth;
          return { name, up: true, liveDelivery: body.bus?.liveDelivery !== 'degraded' };
        } catch {
          return { name, up: false, liveDelivery: true };
        }
      }),
    );
    const unavailable = checks.filter((check) => !check.up).map((check) => check.name);
    const degraded = checks.filter((check) => !check.liveDelivery).map((check) => check.name);
    const liveDelivery = degraded.length === 0 ? 'ok' : 'degraded';
    if (unavailable.length > 0) res.status(503).json({ status: 'unavailable', unavailable, liveDelivery, degraded });
    else if (degraded.length > 0) res.json({ status: 'degraded', liveDelivery, degraded });
    else res.json({ status: 'ok', liveDelivery });
  };
}
