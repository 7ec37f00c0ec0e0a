/**
 * @module The web UI's files, built by Vite into dist/web/: a file by its URL path with its content
 * type and caching, and index.html for any other page path so that the UI's own routes
 * (/discover, /dashboard) load on a reload or from a link. Files hold no data; the data comes from
 * the API with the session.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface UiFile {
  body: Uint8Array | string;
  type: string;
  headers: Record<string, string>;
}

export type UiFiles = (path: string) => Promise<UiFile | undefined>;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names built assets `name-<hash>.ext`: their content never changes under that name. */
const HASHED_ASSET = /^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current assets, so a browser must ask again after an upgrade. */
const REVALIDATE = 'no-cache';

/** The package root: the nearest folder above this module with a package.json (src/ and dist/src/ alike). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('hidsmon: no package.json above the server module.');
    dir = up;
  }
}

/** Where `npm run build` puts the UI. */
export const DEFAULT_UI_DIR = join(packageRoot(), 'dist', 'web');

/**
 * Serves the files under `dir`. Hashed assets are read once and kept (the UI is a few hundred KB);
 * index.html and the other unhashed files are read on each request, so that a rebuild under a
 * running server is served at once. Paths that leave `dir`, or hidden names, are never served.
 */
export function createUiFiles(dir: string = DEFAULT_UI_DIR): UiFiles {
  const root = resolve(dir);
  const cache = new Map<string, UiFile>();

  const load = async (relative: string): Promise<UiFile | undefined> => {
    const hit = cache.get(relative);
    if (hit) return hit;
    const path = resolve(root, `.${relative}`);
    if (path !== root && !path.startsWith(root + sep)) return undefined;
    let body: Buffer;
    try {
      if (!statSync(path).isFile()) return undefined;
      body = await readFile(path);
    } catch {
      return undefined;
    }
    const file: UiFile = {
      body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      type: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      headers: { 'Cache-Control': HASHED_ASSET.test(relative) ? IMMUTABLE : REVALIDATE },
    };
    if (HASHED_ASSET.test(relative)) cache.set(relative, file);
    return file;
  };

  return async (urlPath: string) => {
    let path: string;
    try {
      path = decodeURIComponent(urlPath.split('?')[0] ?? '/');
    } catch {
      return undefined;
    }
    if (path.includes('\0') || path.split('/').some((part) => part.startsWith('.'))) return undefined;
    if (path === '/' || path === '/index.html') return load('/index.html');
    const file = await load(path);
    if (file) return file;
    // A missing asset is a 404 (a stale page asking for an old hash must not get HTML as script);
    // any other path is one of the UI's pages.
    if (path.startsWith('/assets/') || extname(path) !== '') return undefined;
    return load('/index.html');
  };
}

/** The UI's files when the UI has been built (dist/web/index.html exists), else undefined. */
export function builtUiFiles(dir: string = DEFAULT_UI_DIR): UiFiles | undefined {
  return existsSync(join(dir, 'index.html')) ? createUiFiles(dir) : undefined;
}

/** Serves the built UI from dist/web/ (undefined for every path when it is not built). */
export const ui: UiFiles = (() => {
  let files: UiFiles | undefined;
  return (path: string) => {
    files ??= builtUiFiles();
    return files ? files(path) : Promise.resolve(undefined);
  };
})();

