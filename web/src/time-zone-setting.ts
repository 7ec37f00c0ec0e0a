/**
 * @module The time-zone setting, kept in the browser (as Kibana's dateFormat:tz is an advanced
 * setting, not part of a link: a shared link opens in the reader's own zone).
 */
import { BROWSER_ZONE, isValidTimeZone, setDisplayTimeZone, timeZoneSetting, type TimeZoneSetting } from './time.js';

const STORAGE_KEY = 'hidsmon.timeZone';

/** Reads the stored setting; anything unknown is the browser's zone. */
export function loadTimeZoneSetting(): TimeZoneSetting {
  let stored: string | null = null;
  try {
    stored = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage refused (a private window's policy): the browser's zone.
  }
  setDisplayTimeZone(stored ?? BROWSER_ZONE);
  return timeZoneSetting();
}

/** Stores and applies a setting; false when the zone is not one Intl knows. */
export function saveTimeZoneSetting(value: TimeZoneSetting): boolean {
  const zone = value.trim();
  if (zone !== BROWSER_ZONE && !isValidTimeZone(zone)) return false;
  setDisplayTimeZone(zone);
  try {
    window.localStorage.setItem(STORAGE_KEY, zone);
  } catch {
    // Kept for this page only.
  }
  return true;
}
