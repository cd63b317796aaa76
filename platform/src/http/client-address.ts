import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The address of the client behind a request. With no proxy in front (`trustedProxyHops` 0)
 * it is the connection's peer. Behind proxies that each append the address they saw to
 * `X-Forwarded-For`, the client is that many entries from the end: entries further left were
 * written by the client and prove nothing.
 */
export function clientAddressOf(req: IncomingMessage, trustedProxyHops: number): string | null {
  const peer = normaliseAddress(req.socket.remoteAddress);
  if (trustedProxyHops === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const entry = forwarded[Math.max(forwarded.length - trustedProxyHops, 0)];
  return normaliseAddress(entry) ?? peer;
}

/** An IPv4 client reached over an IPv6 socket (`::ffff:1.2.3.4`) is the IPv4 address; anything not an IP is null. */
function normaliseAddress(address: string | undefined): string | null {
  if (address === undefined) return null;
  const unmapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
  return isIP(unmapped) === 0 ? null : unmapped.toLowerCase();
}
