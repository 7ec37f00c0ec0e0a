/**
 * @module Refuses secrets that are known or guessable: the README's own examples, AWS's documented
 * example keys, placeholders, and secrets too short to resist guessing. Pure: config validation
 * and `hidsmon keys` ask it about a value and print its reason.
 */

/** An access key's secret: AWS's own are 40 characters; 20 random ones are ~120 bits. */
export const MIN_SECRET_LENGTH = 20;
/** An API token is a bearer credential that travels in every query request: a little longer. */
export const MIN_API_TOKEN_LENGTH = 24;

/** How to make a good one; said with every refusal. */
export const GENERATE_HINT = 'Generate one with `openssl rand -base64 30`, or leave it unset and hidsmon generates keys and tokens on first start (`hidsmon keys create` makes more).';

/**
 * Words that mark a value copied from documentation rather than generated: the README's
 * `change-me-to-a-long-secret`, AWS's `AKIAIOSFODNN7EXAMPLE` / `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`.
 * Compared without case, spaces, dashes or underscores, so `Change_Me` and `PLACE-HOLDER` count too.
 */
const PLACEHOLDER_WORDS = ['changeme', 'example', 'placeholder', 'replaceme', 'yoursecret', 'yourtoken', 'password'];

/** At least this many different characters: `aaaa…` or `abababab…` is not a secret at any length. */
const MIN_DISTINCT_CHARACTERS = 6;

export type SecretKind = 'secret access key' | 'API token' | 'access key id';

/** Why a value must not be used as a credential, or undefined when it may. */
export function weakSecretReason(value: string, kind: SecretKind): string | undefined {
  const squashed = value.toLowerCase().replace(/[\s_-]+/g, '');
  const word = PLACEHOLDER_WORDS.find((w) => squashed.includes(w));
  if (word !== undefined) return `looks like a placeholder or a documentation example (it contains "${word}"), which anyone who read the same page knows`;
  // An access key id is not secret, only its shape and the placeholder check apply.
  if (kind === 'access key id') return undefined;
  const min = kind === 'API token' ? MIN_API_TOKEN_LENGTH : MIN_SECRET_LENGTH;
  if ([...value].length < min) return `is ${[...value].length} characters long; ${kind === 'API token' ? 'an' : 'a'} ${kind} needs at least ${min}`;
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS) return `repeats too few characters (${new Set(value).size} different) to be hard to guess`;
  return undefined;
}
