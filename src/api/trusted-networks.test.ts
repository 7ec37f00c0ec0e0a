/** @module Tests for TrustedNetworks on node:net's BlockList: IPv4, IPv6, IPv4-mapped peers, and what a refused peer is told. */
import { describe, expect, it } from 'vitest';
import { TrustedNetworks } from './access.js';

describe('TrustedNetworks', () => {
  const trusted = new TrustedNetworks(['10.0.0.0/8', '192.168.1.7/32', '2001:db8::/32', '::1/128']);

  it('matches IPv4 peers against IPv4 blocks, edges included', () => {
    expect(trusted.allows('10.0.0.0')).toBe(true);
    expect(trusted.allows('10.255.255.255')).toBe(true);
    expect(trusted.allows('11.0.0.0')).toBe(false);
    expect(trusted.allows('9.255.255.255')).toBe(false);
    expect(trusted.allows('192.168.1.7')).toBe(true);
    expect(trusted.allows('192.168.1.8')).toBe(false);
  });

  it('matches IPv6 peers against IPv6 blocks, in any spelling, with a zone id', () => {
    expect(trusted.allows('2001:db8::1')).toBe(true);
    expect(trusted.allows('2001:0DB8:ffff:0:0:0:0:1')).toBe(true);
    expect(trusted.allows('2001:db9::1')).toBe(false);
    expect(trusted.allows('::1')).toBe(true);
    expect(trusted.allows('::2')).toBe(false);
    expect(trusted.allows('fe80::1%eth0')).toBe(false);
    expect(new TrustedNetworks(['fe80::/10']).allows('fe80::1%eth0')).toBe(true);
  });

  it('matches IPv4-mapped IPv6 peers (a dual-stack listener reports IPv4 clients so) against IPv4 blocks', () => {
    expect(trusted.allows('::ffff:10.0.0.1')).toBe(true);
    expect(trusted.allows('::ffff:192.168.1.7')).toBe(true);
    expect(trusted.allows('::ffff:11.0.0.1')).toBe(false);
    expect(trusted.allows('::ffff:c0a8:107')).toBe(true);
  });

  it('refuses what is not an address at all', () => {
    for (const peer of [undefined, '', 'localhost', '10.0.0', '10.0.0.1.2', '::ffff:10.0.0.256', 'not an ip']) expect(trusted.allows(peer), String(peer)).toBe(false);
    expect(new TrustedNetworks([]).allows('127.0.0.1')).toBe(false);
  });

  it('tells a refused peer its own address, not the trusted blocks', () => {
    const message = trusted.refusal('203.0.113.9');
    expect(message).toBe("Your address 203.0.113.9 is not in this server's trusted networks. An operator can add it to trusted_networks in hidsmon.yaml or $HIDSMON_TRUSTED_NETWORKS.");
    for (const cidr of trusted.cidrs) expect(message).not.toContain(cidr.split('/')[0]);
  });

  it('throws on a block that config validation would not have passed', () => {
    expect(() => new TrustedNetworks(['10.0.0.0'])).toThrow(/Not a CIDR block/);
    expect(() => new TrustedNetworks(['10.0.0.0/33'])).toThrow();
    expect(() => new TrustedNetworks(['example.com/8'])).toThrow(/Not a CIDR block/);
  });
});
