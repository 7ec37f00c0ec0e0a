/**
 * @module Who may talk to the server: the trusted-network CIDR list (checked first, as the blog's
 * security group does), bearer tokens for the query API, and browser sessions made from a
 * one-time login link.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalIp, cidrKeyRange, ipSortKey } from '../core/ip.js';
import type { Principal, QueryRole } from '../core/principal.js';

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

/** What a one-time login link grants: the role and id of the token (or the server) that issued it. */
export interface SessionGrant {
  role: QueryRole;
  tokenId: string;
}

type SessionPrincipal = Extract<Principal, { kind: 'session' }>;

/** In-memory browser sessions; a restart asks for a new login link, as Jupyter does. */
export class Sessions {
  private readonly sessions = new Map<string, { expiresMs: number; principal: SessionPrincipal }>();
  private readonly loginTokens = new Map<string, { expiresMs: number; grant: SessionGrant }>();
  constructor(
    private readonly now: () => number,
    readonly ttlMs = 12 * 3_600_000,
  ) {}

  /** A token for a login link with `grant`'s role; it works once, within `validMs`. */
  issueLoginToken(grant: SessionGrant, validMs = 24 * 3_600_000): string {
    const token = randomBytes(24).toString('base64url');
    this.loginTokens.set(token, { expiresMs: this.now() + validMs, grant });
    return token;
  }

  /** Trades a login token for a session (its cookie value and who it is), once. */
  redeem(token: string): { cookie: string; principal: SessionPrincipal } | undefined {
    for (const [candidate, entry] of this.loginTokens) {
      if (sameSecret(candidate, token)) {
        this.loginTokens.delete(candidate);
        return entry.expiresMs >= this.now() ? this.create(entry.grant) : undefined;
      }
    }
    return undefined;
  }

  /** A new session with `grant`'s role. Its principal id names it in logs and audit; the cookie value is the secret. */
  create(grant: SessionGrant): { cookie: string; principal: SessionPrincipal } {
    const cookie = randomBytes(32).toString('base64url');
    const principal: SessionPrincipal = { kind: 'session', id: `session-${randomBytes(6).toString('hex')}`, tokenId: grant.tokenId, role: grant.role };
    this.sessions.set(cookie, { expiresMs: this.now() + this.ttlMs, principal });
    return { cookie, principal };
  }

  /** Who holds the session with this cookie value, while it lasts. */
  principal(cookie: string | undefined): SessionPrincipal | undefined {
    if (!cookie) return undefined;
    const entry = this.sessions.get(cookie);
    if (entry === undefined) return undefined;
    if (entry.expiresMs < this.now()) {
      this.sessions.delete(cookie);
      return undefined;
    }
    return entry.principal;
  }

  valid(cookie: string | undefined): boolean {
    return this.principal(cookie) !== undefined;
  }

  end(cookie: string): void {
    this.sessions.delete(cookie);
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
