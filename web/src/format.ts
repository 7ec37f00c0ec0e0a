/** @module Number formats shared by every panel, so that shares side by side read alike (50.0 %, 33.3 %). Pure. */

const SHARE = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A share (0–1) with one decimal always: 0.5 → "50.0%", 1/3 → "33.3%". */
export function formatShare(share: number): string {
  return SHARE.format(share);
}
