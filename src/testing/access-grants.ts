/** @module Test helper: the grant the credential store would answer for a key, without a store. */
import { keyPrincipalArn, policyOf, type AccessKeyGrant, type KeyPermissions } from '../api/cloudwatch-logs/permissions.js';

/** A lookup that knows one key; `admin` unless told otherwise (tests of the handler exercise every action). */
export function oneKey(id: string, secret: string, account: { owner: string; region: string }, permissions: KeyPermissions = { profile: 'admin' }): (accessKeyId: string) => AccessKeyGrant | undefined {
  const grant: AccessKeyGrant = { secret, principal: { kind: 'access-key', id, arn: keyPrincipalArn(account.owner, id) }, policy: policyOf(permissions, account) };
  return (accessKeyId) => (accessKeyId === id ? grant : undefined);
}
