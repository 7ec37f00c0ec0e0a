/**
 * @module Who may talk to the server: the trusted-network CIDR list (checked first, as the blog's
 * security group does), bearer tokens for the query API, and browser sessions made from a
 * one-time login link.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalIp, cidrKeyRange, ipSortKey } from '../core/ip.js';

export class TrustedNetworks {
  private readonly ranges: Array<{ lo: string; hi: string }>;
  constructor(readonly cidrs: readonly string[]) {
    this.ranges = cidrs.map((c) => cidrKeyRange(c)).filter((r): r is { lo: string; hi: string } => r !== undefined);
  }
  /** Whether a peer address (as Node reports it, IPv4-mapped or not) lies in a trusted block. */
  allows(address: string | undefined): boolean {
    const key = address === undefined ? undefined : ipSortKey(canonicalIp(address.replace(/%.*$/, '')) ?? '');
    return key !== undefined && this.ranges.some((r) => key >= r.lo && key <= r.hi);
  }
  /** What to say to a refused peer: which address, and what would let it in. */
  refusal(address: string | undefined): string {
    return `Address ${address ?? '(unknown)'} is not in the trusted networks (${this.cidrs.join(', ')}). Add it to trusted_networks in hidsmon.yaml or $HIDSMON_TRUSTED_NETWORKS.`;
  }
}

/** Constant-time comparison of secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const SESSION_COOKIE = 'hidsmon_session';

/** In-memory browser sessions; a restart asks for a new login link, as Jupyter does. */
export class Sessions {
  private readonly sessions = new Map<string, number>();
  private readonly loginTokens = new Map<string, number>();
  constructor(
    private readonly now: () => number,
    readonly ttlMs = 12 * 3_600_000,
  ) {}

  /** A token for the login link; it works once, within `validMs`. */
  issueLoginToken(validMs = 24 * 3_600_000): string {
    const token = randomBytes(24).toString('base64url');
    this.loginTokens.set(token, this.now() + validMs);
    return token;
  }

  /** Trades a login token for a session id, once. */
  redeem(token: string): string | undefined {
    for (const [candidate, expires] of this.loginTokens) {
      if (sameSecret(candidate, token)) {
        this.loginTokens.delete(candidate);
        return expires >= this.now() ? this.create() : undefined;
      }
    }
    return undefined;
  }

  create(): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, this.now() + this.ttlMs);
    return id;
  }

  valid(id: string | undefined): boolean {
    if (!id) return false;
    const expires = this.sessions.get(id);
    if (expires === undefined) return false;
    if (expires < this.now()) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }
}

/** The session id from a Cookie header. */
export function sessionFromCookie(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}
