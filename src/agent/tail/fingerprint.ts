/**
 * @module A file's identity beyond device and inode (which are reused after a delete): the
 * SHA-256 of its first bytes, written `<bytes>:<hex>` so that a fingerprint taken while the file
 * was shorter than the full window can still be compared later.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** How many leading bytes identify a file. */
export const FINGERPRINT_BYTES = 1024;

export interface Fingerprint {
  bytes: number;
  hex: string;
}

export function formatFingerprint(fp: Fingerprint): string {
  return `${fp.bytes}:${fp.hex}`;
}

export function parseFingerprint(text: string): Fingerprint | undefined {
  const match = /^(\d+):([0-9a-f]*)$/.exec(text);
  if (!match) return undefined;
  return { bytes: Number(match[1]), hex: match[2]! };
}

export function hashBytes(bytes: Uint8Array): Fingerprint {
  return { bytes: bytes.length, hex: bytes.length === 0 ? '' : createHash('sha256').update(bytes).digest('hex') };
}

/** The first `min(size, limit)` bytes of an open file. */
export async function leadingBytes(handle: FileHandle, limit = FINGERPRINT_BYTES): Promise<Buffer> {
  const buffer = Buffer.alloc(limit);
  let filled = 0;
  // Bounded: at most `limit` bytes, and a read of 0 bytes ends it.
  while (filled < limit) {
    const { bytesRead } = await handle.read(buffer, filled, limit - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** The fingerprint of the first `min(size, limit)` bytes of an open file. */
export async function fingerprintOf(handle: FileHandle, limit = FINGERPRINT_BYTES): Promise<Fingerprint> {
  return hashBytes(await leadingBytes(handle, limit));
}

/** True when the file's first `expected.bytes` bytes are still the ones fingerprinted. */
export async function stillStartsWith(handle: FileHandle, expected: Fingerprint): Promise<boolean> {
  if (expected.bytes === 0) return true;
  const now = await fingerprintOf(handle, expected.bytes);
  return now.bytes === expected.bytes && now.hex === expected.hex;
}
