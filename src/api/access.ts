/**
 * @module Who may talk to the server: the trusted-network CIDR list (checked first, as the blog's
 * security group does), bearer tokens for the query API, and browser sessions made from a
 * one-time login link or the sign-in form, each with the role of the token that made it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Principal, QueryRole } from '../core/principal.js';

/**
 * The trusted networks on Node's own matcher (`net.BlockList`), which also matches an IPv4-mapped
 * IPv6 peer (`::ffff:10.0.0.1`, as a dual-stack listener reports IPv4 clients) against IPv4 blocks.
 */
export class TrustedNetworks {
  private readonly list = new BlockList();
  /** `cidrs` as config validation passed them (`10.0.0.0/8`, `::1/128`); anything else is a bug and throws. */
  constructor(readonly cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const slash = cidr.lastIndexOf('/');
      const address = cidr.slice(0, slash);
      const family = isIP(address);
      const prefix = Number(cidr.slice(slash + 1));
      if (slash < 0 || family === 0 || !Number.isInteger(prefix)) throw new Error(`Not a CIDR block: "${cidr}".`);
      this.list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
  }
  /** Whether a peer address (as Node reports it: IPv4, IPv6, IPv4-mapped, with a zone id) lies in a trusted block. */
  allows(address: string | undefined): boolean {
    if (address === undefined) return false;
    const bare = address.replace(/%.*$/, '');
    const family = isIP(bare);
    return family !== 0 && this.list.check(bare, family === 4 ? 'ipv4' : 'ipv6');
  }
  /**
   * What to say to a refused peer: its own address and where an operator lets it in, but not the
   * trusted blocks themselves, which would map the network for whoever knocks.
   */
  refusal(address: string | undefined): string {
    return `Your address ${address ?? '(unknown)'} is not in this server's trusted networks. An operator can add it to trusted_networks in hidsmon.yaml or $HIDSMON_TRUSTED_NETWORKS.`;
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

  /** Ends every session that the token `tokenId` made (it was revoked); returns how many. */
  endByToken(tokenId: string): number {
    let ended = 0;
    for (const [cookie, entry] of this.sessions) {
      if (entry.principal.tokenId === tokenId) {
        this.sessions.delete(cookie);
        ended++;
      }
    }
    return ended;
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
