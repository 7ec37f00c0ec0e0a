import { describe, expect, it } from 'vitest';
import { isIp, isIPv4, isIPv6, splitIpAndPort } from './ip.js';

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
