/**
 * @module OSSEC rule levels and their colours, the same in every chart and in the table: levels
 * 0–3 blue-grey, 4–6 amber, 7–9 orange, 10–12 red, 13–15 dark red; each level its own shade, so
 * that neighbouring slices of the breakdown stay apart.
 */

const SHADES: readonly string[] = [
  '#9aa7b6', '#8497ad', '#7590b0', '#52739b', // 0–3 low
  '#f7dc6f', '#f0b429', '#c27c0e', // 4–6 medium: pale, full and dark amber, apart at a glance
  '#f39c4a', '#e67e22', '#d96d17', // 7–9 high
  '#ee5a52', '#d0342d', '#c2271f', // 10–12 severe
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

/** What each OSSEC rule level means (OSSEC's rule classification), short: every level its own name. */
const LEVEL_NAMES: readonly string[] = [
  'ignored', 'none', 'system notice', 'successful event', // 0–3
  'system error', 'user error', 'low-relevance attack', // 4–6
  'bad word', 'first time seen', 'invalid source', // 7–9
  'repeated user errors', 'integrity warning', 'high importance', // 10–12
  'unusual error', 'security event', 'severe attack', // 13–15
];

/** The level's own name (5: user error, 6: low-relevance attack); empty for a value that is not a level. */
export function levelName(level: unknown): string {
  const n = asLevel(level);
  return n === undefined ? '' : (LEVEL_NAMES[n] as string);
}

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

const INK = '#1b1f24';
const WHITE = '#ffffff';

/** WCAG relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Per shade, the text colour that reads best on it (every shade is picked to give at least 4.5:1, WCAG AA). */
const TEXT_ON: readonly string[] = SHADES.map((s) => (contrast(s, INK) >= contrast(s, WHITE) ? INK : WHITE));

/** Text on a level's colour: ink or white, whichever contrasts more with the shade. */
export function levelTextColor(level: unknown): string {
  const n = asLevel(level);
  return n === undefined ? INK : (TEXT_ON[n] as string);
}
