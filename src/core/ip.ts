/** @module IP address checks for the `ip`-typed document fields. */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** RFC 4291 text forms, with `::` compression and an optional trailing dotted IPv4; no zone id. */
export function isIPv6(text: string): boolean {
  if (text.length < 2 || text.length > 45 || !text.includes(':')) return false;
  const parts = text.split('::');
  if (parts.length > 2) return false;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groups(parts[0] as string);
  const tail = parts.length === 2 ? groups(parts[1] as string) : [];
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4(last)) return false;
    all.pop();
    count += 1; // an embedded IPv4 takes two groups
  }
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return parts.length === 2 ? count < 8 : count === 8;
}

export function isIp(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/**
 * Splits `ip:port` and `[ipv6]:port` (Wazuh's Suricata decoder writes `dstip` this way).
 * Returns undefined when the text is not such a pair.
 */
export function splitIpAndPort(text: string): { ip: string; port: string } | undefined {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  if (bracketed && isIPv6(bracketed[1] as string)) return { ip: bracketed[1] as string, port: bracketed[2] as string };
  const v4 = /^([\d.]+):(\d{1,5})$/.exec(text);
  if (v4 && isIPv4(v4[1] as string)) return { ip: v4[1] as string, port: v4[2] as string };
  return undefined;
}

/** The address as a 128-bit integer, IPv4 mapped into ::ffff:0:0/96 as OpenSearch's ip type stores it. */
export function ipToBigInt(text: string): bigint | undefined {
  if (isIPv4(text)) return 0xffff00000000n | ipv4ToBigInt(text);
  if (!isIPv6(text)) return undefined;
  let head = text;
  let v4tail: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4tail = ipv4ToBigInt(text.slice(lastColon + 1));
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.split('::') as [string, string | undefined];
  const groups = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'));
  const l = groups(left);
  const r = groups(right);
  const all = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  let value = 0n;
  for (const g of all) value = (value << 16n) | BigInt(parseInt(g, 16));
  if (v4tail !== undefined) value = (value & ~0xffffffffn) | v4tail;
  return value;
}

function ipv4ToBigInt(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** A fixed-width hex key (32 chars) that sorts as the addresses do; for ranges and CIDR in SQL. */
export function ipSortKey(text: string): string | undefined {
  const value = ipToBigInt(text);
  return value === undefined ? undefined : value.toString(16).padStart(32, '0');
}

/** `10.0.0.0/8` or `2001:db8::/32` as the first and last address keys; undefined if not a CIDR block. */
export function cidrKeyRange(text: string): { lo: string; hi: string } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = text.slice(0, slash);
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const v4 = isIPv4(ip);
  const bits = Number(bitsText) + (v4 ? 96 : 0);
  const value = ipToBigInt(ip);
  if (value === undefined || bits > 128 || (v4 && Number(bitsText) > 32)) return undefined;
  const hostMask = (1n << BigInt(128 - bits)) - 1n;
  const lo = value & ~hostMask;
  return { lo: lo.toString(16).padStart(32, '0'), hi: (lo | hostMask).toString(16).padStart(32, '0') };
}

/** The canonical text of an address: IPv4 as is, IPv6 lower-case and compressed (RFC 5952). */
export function canonicalIp(text: string): string | undefined {
  if (isIPv4(text)) return text;
  const value = ipToBigInt(text);
  if (value === undefined) return undefined;
  if (value >> 32n === 0xffffn) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
