/** @module The names of access key profiles and the shape of a log group scope, shared by the config, the credential store and the CloudWatch Logs permissions. Pure. */

export type AccessProfile = 'agent' | 'admin';
export const ACCESS_PROFILES: readonly AccessProfile[] = ['agent', 'admin'];

/** `*` and `?` globs over log group names (the characters a name may have, plus the two wildcards). */
export const LOG_GROUP_GLOB = /^[.\-_/#A-Za-z0-9*?]{1,512}$/;
