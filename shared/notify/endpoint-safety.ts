import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a notification may be sent. On AWS: `https` to public addresses only. A stack may allow
 * loopback receivers (`http` or `https` to 127.0.0.0/8, ::1, localhost) by configuration — the
 * local stack does, so a developer's listener on 127.0.0.1 works; nothing else changes.
 */
export interface EndpointPolicy {
  allowLoopback: boolean;
}

export type EndpointCheck =
  | { ok: true; url: URL; address: string; family: 4 | 6 }
  | { ok: false; reason: string };

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Addresses no notification may reach on AWS: private, shared, link-local (metadata), multicast, reserved. */
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
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
  NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(net, bits, 'ipv6');
}

function family(address: string): 4 | 6 | undefined {
  const f = isIP(address);
  return f === 4 || f === 6 ? f : undefined;
}

export function isLoopbackAddress(address: string): boolean {
  const f = family(address);
  return f !== undefined && LOOPBACK.check(address, f === 4 ? 'ipv4' : 'ipv6');
}

/** True for any address that is not a public unicast address (IPv4-mapped IPv6 judged as its IPv4). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isNonPublicAddress(mapped);
  const f = family(address);
  if (f === undefined) return true;
  return NOT_PUBLIC.check(address, f === 4 ? 'ipv4' : 'ipv6');
}

/** The URL's shape alone: scheme, no credentials, no fragment. Checked when a portal registers it. */
export function checkEndpointUrl(
  raw: string,
  policy: EndpointPolicy,
): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not carry credentials' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopbackHost = host === 'localhost' || isLoopbackAddress(host);
  if (url.protocol === 'https:') {
    if (loopbackHost && !policy.allowLoopback) return { ok: false, reason: 'must not point at this host' };
    return { ok: true, url };
  }
  if (url.protocol === 'http:' && policy.allowLoopback && loopbackHost) return { ok: true, url };
  return {
    ok: false,
    reason: policy.allowLoopback ? 'must use https (http only to a loopback address)' : 'must use https',
  };
}

export type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;
const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * The check made just before each delivery (SSRF): the URL's shape, then every address its host
 * resolves to. One non-public address refuses the lot (a name must not straddle the boundary), and
 * the delivery connects to the address checked here, so a second lookup cannot swap it (rebinding).
 */
export async function resolveEndpoint(
  raw: string,
  policy: EndpointPolicy,
  lookup: Lookup = systemLookup,
): Promise<EndpointCheck> {
  const shape = checkEndpointUrl(raw, policy);
  if (!shape.ok) return shape;
  const host = shape.url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (family(host) !== undefined) addresses = [{ address: host, family: family(host) as number }];
  else {
    try {
      addresses = await lookup(host);
    } catch {
      return { ok: false, reason: 'host does not resolve' };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: 'host does not resolve' };
  for (const a of addresses) {
    const allowed = policy.allowLoopback && isLoopbackAddress(a.address);
    if (!allowed && isNonPublicAddress(a.address)) {
      return { ok: false, reason: 'resolves to a private or reserved address' };
    }
  }
  const first = addresses[0] as { address: string; family: number };
  return { ok: true, url: shape.url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
