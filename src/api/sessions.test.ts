/** Browser sessions keep the role and token id of what made them; login tokens work once and expire; expired sessions end. */
import { describe, expect, it } from 'vitest';
import { Sessions } from './access.js';

describe('Sessions', () => {
  it('a login token carries its grant into the session, once', () => {
    let now = 1_000;
    const sessions = new Sessions(() => now, 60_000);
    const token = sessions.issueLoginToken({ role: 'viewer', tokenId: 'tok-1' }, 10_000);
    const session = sessions.redeem(token);
    expect(session?.principal).toMatchObject({ kind: 'session', role: 'viewer', tokenId: 'tok-1' });
    // The principal's id names the session without being its cookie (the secret).
    expect(session?.principal.id).toMatch(/^session-[0-9a-f]{12}$/);
    expect(session?.cookie).not.toContain(session!.principal.id);
    expect(sessions.principal(session!.cookie)).toEqual(session!.principal);
    expect(sessions.redeem(token)).toBeUndefined();
    now += 60_001;
    expect(sessions.principal(session!.cookie)).toBeUndefined();
  });

  it('an expired login token makes no session; an ended session is gone', () => {
    let now = 0;
    const sessions = new Sessions(() => now);
    const token = sessions.issueLoginToken({ role: 'admin', tokenId: 'hidsmon' }, 1_000);
    now = 1_001;
    expect(sessions.redeem(token)).toBeUndefined();
    const made = sessions.create({ role: 'admin', tokenId: 'tok-2' });
    expect(sessions.valid(made.cookie)).toBe(true);
    sessions.end(made.cookie);
    expect(sessions.principal(made.cookie)).toBeUndefined();
    expect(sessions.principal(undefined)).toBeUndefined();
    expect(sessions.principal('')).toBeUndefined();
  });
});
