/**
 * @module `detections:` in hidsmon.yaml: on by default with the built-in pack; `builtin: false`
 * leaves the pack out, `rules_dir` moves the rules directory (default `<data>/rules`), `enabled:
 * false` turns the engine off. Pure.
 */
import { isPlainObject } from '../core/paths.js';

export interface DetectionSettings {
  enabled: boolean;
  builtin: boolean;
  /** Absolute, or relative to the data directory; absent: `<data>/rules`. */
  rulesDir?: string;
}

export const DEFAULT_DETECTION_SETTINGS: Readonly<DetectionSettings> = Object.freeze({ enabled: true, builtin: true });

const KEYS = ['enabled', 'builtin', 'rules_dir'];

export function loadDetectionSettings(value: unknown, where: string, problems: string[]): DetectionSettings {
  if (value === undefined || value === null) return { ...DEFAULT_DETECTION_SETTINGS };
  if (!isPlainObject(value)) {
    problems.push(`${where}: a mapping with enabled (true|false), builtin (true|false) and rules_dir.`);
    return { ...DEFAULT_DETECTION_SETTINGS };
  }
  for (const key of Object.keys(value)) if (!KEYS.includes(key)) problems.push(`${where}: unknown key "${key}"; detections take ${KEYS.join(', ')}.`);
  const flag = (key: string, fallback: boolean): boolean => {
    const v = Object.hasOwn(value, key) ? value[key] : undefined;
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') problems.push(`${where}.${key}: true or false.`);
    return typeof v === 'boolean' ? v : fallback;
  };
  const dir = Object.hasOwn(value, 'rules_dir') ? value['rules_dir'] : undefined;
  if (dir !== undefined && (typeof dir !== 'string' || dir.trim() === '')) problems.push(`${where}.rules_dir: a directory path (relative to the data directory, or absolute).`);
  return { enabled: flag('enabled', true), builtin: flag('builtin', true), ...(typeof dir === 'string' && dir.trim() !== '' ? { rulesDir: dir } : {}) };
}
