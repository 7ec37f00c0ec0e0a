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
