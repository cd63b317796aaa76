import type { IncomingMessage } from 'node:http';
import { clientAddressOf } from '@shop/platform/http';
import { describe, expect, it } from 'vitest';

const request = (remoteAddress: string | undefined, forwardedFor?: string) =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('clientAddressOf', () => {
  it('is the peer without proxies, whatever X-Forwarded-For claims', () => {
    expect(clientAddressOf(request('203.0.113.9', '198.51.100.1'), 0)).toBe('203.0.113.9');
  });

  it('counts trusted proxies from the end of X-Forwarded-For, ignoring what the client wrote before them', () => {
    const forwarded = '10.9.9.9, 198.51.100.1, 192.0.2.10';
    expect(clientAddressOf(request('10.0.0.2', forwarded), 1)).toBe('192.0.2.10');
    expect(clientAddressOf(request('10.0.0.2', forwarded), 2)).toBe('198.51.100.1');
  });

  it('falls back to the peer when the header is missing or not an address', () => {
    expect(clientAddressOf(request('10.0.0.2'), 1)).toBe('10.0.0.2');
    expect(clientAddressOf(request('10.0.0.2', 'evil, <script>'), 1)).toBe('10.0.0.2');
  });

  it('unwraps IPv4 addresses seen over IPv6 sockets', () => {
    expect(clientAddressOf(request('::ffff:127.0.0.1'), 0)).toBe('127.0.0.1');
    expect(clientAddressOf(request('2001:DB8::1'), 0)).toBe('2001:db8::1');
    expect(clientAddressOf(request(undefined), 0)).toBeNull();
  });
});
