/**
 * @module Where a sign-in may send the browser next: only a path on this server. Browsers resolve
 * a Location as the WHATWG URL parser does (TAB, CR and LF removed anywhere, `\` read as `/`,
 * `//host` a new host), so a naive "starts with one slash" check lets `/\evil.example` and
 * `/<TAB>/evil.example` leave the site. Anything doubtful becomes `/`.
 */

/** Longer than any view URL the UI makes (its state is a few short parameters). */
const MAX_NEXT_CHARS = 4096;
/** C0 controls, space, DEL, C1 controls and any Unicode white space, none of which a URL the UI makes holds raw. */
const UNSAFE_CHAR = /[\u0000-\u0020\u007f-\u009f\s\\]/u;
const BASE = 'http://hidsmon.invalid';

/** `next` if it is a same-origin absolute path (with query and fragment), else `/`. */
export function safeRedirectPath(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > MAX_NEXT_CHARS) return '/';
  if (!isSafePathStart(next)) return '/';
  // The path, decoded (repeatedly, as a chain of servers might), must pass too: `/%2F%2Fevil`
  // becomes `//evil` wherever something decodes it and redirects again. The query may hold
  // encoded spaces and backslashes (a search), which are harmless there.
  let path = next.replace(/[?#].*$/s, '');
  for (let i = 0; i < 3 && path.includes('%'); i++) {
    try {
      path = decodeURIComponent(path);
    } catch {
      return '/';
    }
    if (!isSafePathStart(path)) return '/';
  }
  if (path.includes('%')) return '/';
  // The parser browsers use has the last word.
  let resolved: URL;
  try {
    resolved = new URL(next, BASE);
  } catch {
    return '/';
  }
  return resolved.origin === BASE ? next : '/';
}

function isSafePathStart(s: string): boolean {
  return s.startsWith('/') && !s.startsWith('//') && !UNSAFE_CHAR.test(s);
}
