import { lookup as lookupCallback, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { Agent } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { rootCertificates } from 'node:tls';

/** Why an endpoint may not be used; expected failures are values, not exceptions. */
export type EndpointProblem = 'not-a-url' | 'not-https' | 'credentials' | 'private-address' | 'unresolvable';

export type EndpointCheck = { ok: true; url: URL; allowlisted: boolean } | { ok: false; problem: EndpointProblem };

/**
 * Addresses a push may never go to: loopback, private, link-local, carrier-grade NAT,
 * documentation, multicast and reserved ranges, and the IPv6 forms that embed an IPv4 address
 * (mapped, NAT64, 6to4, Teredo), which could smuggle any of the former.
 */
const forbiddenIpv4 = new BlockList();
// Separate lists: Node's BlockList matches IPv4 addresses against ::ffff:0:0/96 rules.
const forbiddenIpv6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbiddenIpv4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  forbiddenIpv6.addSubnet(network, prefix, 'ipv6');
}

/** True for an address a push must not be sent to. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return family === 4 ? forbiddenIpv4.check(address, 'ipv4') : forbiddenIpv6.check(address, 'ipv6');
}

export interface EndpointPolicyOptions {
  /**
   * `host:port` entries that may be on any address (tests' loopback push service, private
   * deployments); compared with the endpoint's host and port (443 when it names none).
   */
  allowlist?: readonly string[];
  /**
   * PEM certificates to trust besides the system's, for push services with a private CA. In
   * production Node's own NODE_EXTRA_CA_CERTS does the same for the whole process.
   */
  extraCaCertificates?: readonly string[];
}

/**
 * The rule for outbound requests to addresses users supply (DESIGN.md, "Security rules"): Web
 * Push endpoints must be `https` URLs on public addresses, unless allowlisted. Checked when a
 * subscription is registered and again when each push goes out, because DNS answers change; the
 * agent for non-allowlisted hosts re-checks the very addresses it connects to, so a name that
 * resolves differently between check and connect (DNS rebinding) is refused too.
 */
export class EndpointPolicy {
  private readonly allowlist: ReadonlySet<string>;
  private readonly ca: string[] | undefined;
  private readonly guardedAgent: Agent;
  private readonly allowlistedAgent: Agent;

  constructor(options: EndpointPolicyOptions = {}) {
    this.allowlist = new Set((options.allowlist ?? []).map((entry) => entry.toLowerCase()));
    this.ca = options.extraCaCertificates?.length ? [...rootCertificates, ...options.extraCaCertificates] : undefined;
    this.guardedAgent = new Agent({ keepAlive: true, ca: this.ca, lookup: guardedLookup });
    this.allowlistedAgent = new Agent({ keepAlive: true, ca: this.ca });
  }

  /** Whether pushes may go to `endpoint`, resolving its host name. */
  async check(endpoint: string): Promise<EndpointCheck> {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return { ok: false, problem: 'not-a-url' };
    }
    if (url.protocol !== 'https:') return { ok: false, problem: 'not-https' };
    if (url.username || url.password) return { ok: false, problem: 'credentials' };
    if (this.allowlist.has(`${url.hostname}:${url.port || '443'}`)) return { ok: true, url, allowlisted: true };

    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
      } catch {
        return { ok: false, problem: 'unresolvable' };
      }
    }
    if (addresses.length === 0) return { ok: false, problem: 'unresolvable' };
    if (addresses.some(isForbiddenAddress)) return { ok: false, problem: 'private-address' };
    return { ok: true, url, allowlisted: false };
  }

  /** The HTTPS agent for an endpoint that passed {@link check}. */
  agentFor(check: Extract<EndpointCheck, { ok: true }>): Agent {
    return check.allowlisted ? this.allowlistedAgent : this.guardedAgent;
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.guardedAgent.destroy();
    this.allowlistedAgent.destroy();
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup for the agent: fails the connection when any address the name resolves to is forbidden. */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookupCallback(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((entry) => isForbiddenAddress(entry.address));
    if (blocked || addresses.length === 0) {
      const refused: NodeJS.ErrnoException = new Error(`Refusing to connect to ${hostname}: it resolves to a non-public address.`);
      refused.code = 'EADDRNOTPUBLIC';
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    callback(null, first!.address, first!.family);
  });
}
