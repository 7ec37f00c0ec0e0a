import { describe, expect, it } from 'vitest';
import { canonicalIp, cidrKeyRange, ipSortKey, isIp, isIPv4, isIPv6, splitIpAndPort } from './ip.js';

describe('ip', () => {
  it.each(['10.10.10.10', '0.0.0.0', '255.255.255.255', '127.0.0.1'])('accepts IPv4 %s', (ip) => expect(isIPv4(ip)).toBe(true));
  it.each(['256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4 ', '(none)', 'any', ''])('rejects %j as IPv4', (ip) => expect(isIPv4(ip)).toBe(false));
  it.each(['::1', '2001:db8::1', 'fe80::1:2:3:4', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8', '::'])('accepts IPv6 %s', (ip) => expect(isIPv6(ip)).toBe(true));
  it.each(['1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', ':1', '1.2.3.4'])('rejects %s as IPv6', (ip) => expect(isIPv6(ip)).toBe(false));

  it('splits ip:port pairs and nothing else', () => {
    expect(splitIpAndPort('192.168.10.21:80')).toEqual({ ip: '192.168.10.21', port: '80' });
    expect(splitIpAndPort('[2001:db8::1]:443')).toEqual({ ip: '2001:db8::1', port: '443' });
    expect(splitIpAndPort('2001:db8::1')).toBeUndefined();
    expect(splitIpAndPort('host:80')).toBeUndefined();
    expect(isIp('2001:db8::1')).toBe(true);
  });
});

describe('ip keys and CIDR', () => {
  it('maps IPv4 into IPv6 and sorts keys like addresses', () => {
    expect(ipSortKey('10.0.0.1')).toBe('00000000000000000000ffff0a000001');
    expect(ipSortKey('::ffff:10.0.0.1')).toBe(ipSortKey('10.0.0.1'));
    expect(ipSortKey('2001:db8::1')).toBe('20010db8000000000000000000000001');
    expect(ipSortKey('9.255.255.255')! < ipSortKey('10.0.0.0')!).toBe(true);
    expect(ipSortKey('nope')).toBeUndefined();
  });

  it('turns CIDR blocks into key ranges', () => {
    expect(cidrKeyRange('10.0.0.0/8')).toEqual({ lo: '00000000000000000000ffff0a000000', hi: '00000000000000000000ffff0affffff' });
    expect(cidrKeyRange('10.10.10.10/32')).toEqual({ lo: ipSortKey('10.10.10.10'), hi: ipSortKey('10.10.10.10') });
    expect(cidrKeyRange('2001:db8::/32')).toEqual({ lo: '20010db8000000000000000000000000', hi: '20010db8ffffffffffffffffffffffff' });
    expect(cidrKeyRange('10.0.0.0/33')).toBeUndefined();
    expect(cidrKeyRange('10.0.0.0')).toBeUndefined();
  });

  it('writes canonical text', () => {
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalIp('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(canonicalIp('10.0.0.1')).toBe('10.0.0.1');
  });
});
