import type { IncomingMessage } from 'node:http';
import type express from 'express';
import proxyAddr from 'proxy-addr';
import type { ClientInfo } from '@chirpchat/kit';

/** Express's `trust proxy` value for TRUST_PROXY (see its description in the kit's config). */
export function trustProxySetting(value: string | undefined): boolean | number | string[] {
  const setting = (value ?? 'false').trim();
  if (setting === 'false' || setting === '') return false;
  if (setting === 'true') return true;
  if (/^\d+$/.test(setting)) return Number(setting);
  return setting.split(',').map((each) => each.trim());
}

/** The longest User-Agent passed on; longer ones are cut (they reach logs and the audit trail). */
const MAX_USER_AGENT = 512;

/** The client of an HTTP request: Express's `req.ip` (which follows `trust proxy`) and its User-Agent. */
export function clientOfRequest(req: express.Request): ClientInfo {
  return { address: req.ip ?? null, userAgent: userAgentOf(req) };
}

/**
 * The client of a WebSocket upgrade, judged by the same `trust proxy` rule as HTTP requests
 * (proxy-addr, as Express does).
 */
export function clientOfUpgrade(req: IncomingMessage, trust: boolean | number | string[]): ClientInfo {
  let address: string | null = req.socket.remoteAddress ?? null;
  if (address && trust !== false) address = proxyAddr(req, trustFunction(trust));
  return { address, userAgent: userAgentOf(req) };
}

function userAgentOf(req: IncomingMessage): string | null {
  const agent = req.headers['user-agent'];
  return typeof agent === 'string' && agent !== '' ? agent.slice(0, MAX_USER_AGENT) : null;
}

function trustFunction(trust: true | number | string[]): (address: string, hop: number) => boolean {
  if (trust === true) return () => true;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust);
}
