/**
 * @module OSSEC rule levels and their colours, the same in every chart and in the table: levels
 * 0–3 blue-grey, 4–6 amber, 7–9 orange, 10–12 red, 13–15 dark red; each level its own shade, so
 * that neighbouring slices of the breakdown stay apart.
 */

const SHADES: readonly string[] = [
  '#9aa7b6', '#8497ad', '#6b86a6', '#52739b', // 0–3 low
  '#f1c232', '#e5a91a', '#d09000', // 4–6 medium
  '#f39c4a', '#e67e22', '#cc6310', // 7–9 high
  '#ee5a52', '#dc3a33', '#c2271f', // 10–12 severe
  '#9c1c16', '#7e120e', '#5e0906', // 13–15 critical
];

export interface LevelBand {
  name: string;
  min: number;
  max: number;
  color: string;
}

export const LEVEL_BANDS: readonly LevelBand[] = [
  { name: 'low', min: 0, max: 3, color: '#6b86a6' },
  { name: 'medium', min: 4, max: 6, color: '#e5a91a' },
  { name: 'high', min: 7, max: 9, color: '#e67e22' },
  { name: 'severe', min: 10, max: 12, color: '#dc3a33' },
  { name: 'critical', min: 13, max: 15, color: '#7e120e' },
];

function asLevel(level: unknown): number | undefined {
  const n = typeof level === 'number' ? level : typeof level === 'string' && /^\d+$/.test(level) ? Number(level) : NaN;
  return Number.isInteger(n) ? Math.min(15, Math.max(0, n)) : undefined;
}

export function levelColor(level: unknown): string {
  const n = asLevel(level);
  return n === undefined ? '#c5ccd6' : (SHADES[n] as string);
}

export function levelBand(level: unknown): LevelBand | undefined {
  const n = asLevel(level);
  return n === undefined ? undefined : LEVEL_BANDS.find((b) => n >= b.min && n <= b.max);
}

/** Text on a level's colour: white on the dark shades, ink on the light ones. */
export function levelTextColor(level: unknown): string {
  const n = asLevel(level);
  return n !== undefined && ((n >= 4 && n <= 7) || n === 0 || n === 1) ? '#1b1f24' : '#ffffff';
}
