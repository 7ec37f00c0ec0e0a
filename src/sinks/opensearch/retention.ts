/**
 * @module Retention on OpenSearch: daily indices `${prefix}YYYY.MM.DD` older than N days deleted by
 * the date in their name (works on every cluster), and an ISM policy for clusters with the plugin.
 */
import { errors, type Client } from '@opensearch-project/opensearch';
import { timeOfIndexName } from '../../core/time.js';

const DAY_MS = 86_400_000;
/** Names per DELETE request: keeps the URL far below any proxy's limit. */
const NAMES_PER_DELETE = 50;

/** The daily indices of `prefix` that exist, sorted; anything not of exactly that shape is left out. */
export async function listDailyIndices(client: Client, prefix: string): Promise<string[]> {
  const response = await client.cat.indices({ index: `${prefix}*`, format: 'json', h: 'index', expand_wildcards: 'all' } as never);
  const rows = response.body as unknown as Array<{ index?: unknown }>;
  return rows
    .map((r) => r.index)
    .filter((name): name is string => typeof name === 'string' && timeOfIndexName(name, prefix) !== undefined)
    .sort();
}

/**
 * Deletes the daily indices of `prefix` whose day is before the UTC day `days` days before `nowMs`
 * (as the embedded store counts: with 7 days on the 8th, the 1st is kept and the 30th is gone), and
 * returns their full names. The day is the one in the name, not the index's creation time, so
 * back-filled old days go at once.
 */
export async function deleteIndicesOlderThan(client: Client, prefix: string, days: number, nowMs: number): Promise<string[]> {
  if (!Number.isFinite(days) || days < 0) throw new RangeError(`retention days must be a number ≥ 0, not ${days}`);
  const cutoff = Math.floor(nowMs / DAY_MS) * DAY_MS - Math.floor(days) * DAY_MS;
  const old = (await listDailyIndices(client, prefix)).filter((name) => (timeOfIndexName(name, prefix) as number) < cutoff);
  for (let i = 0; i < old.length; i += NAMES_PER_DELETE) {
    // Exact names, never a pattern: `action.destructive_requires_name` may be on, and a pattern could reach other indices.
    await client.indices.delete({ index: old.slice(i, i + NAMES_PER_DELETE), ignore_unavailable: true });
  }
  return old;
}

/** Deletes one daily index of `prefix` (its full name); false when there is none, or `name` is not one. */
export async function deleteDailyIndex(client: Client, prefix: string, name: string): Promise<boolean> {
  if (timeOfIndexName(name, prefix) === undefined) return false;
  try {
    await client.indices.delete({ index: name });
    return true;
  } catch (error) {
    if (error instanceof errors.ResponseError && error.statusCode === 404) return false;
    throw error;
  }
}

/** The ISM policy's id for a prefix: `PUT _plugins/_ism/policies/<id>`. */
export function ismPolicyId(prefix: string): string {
  return `${prefix}retention`;
}

/**
 * The ISM policy deleting `${prefix}*` indices `days` days after their creation. ISM counts from
 * the creation time, not the name's date: back-filled old days live another `days` days, which
 * `deleteIndicesOlderThan` does not do. `ism_template` attaches it to indices created after the
 * policy; existing ones need `POST _plugins/_ism/add/<prefix>*` `{"policy_id": …}`.
 */
export function ismPolicy(prefix: string, days: number): { policy: Record<string, unknown> } {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`ISM retention days must be an integer ≥ 1, not ${days}`);
  return {
    policy: {
      description: `hidsmon: delete ${prefix}* indices ${days} days after creation`,
      default_state: 'live',
      states: [
        { name: 'live', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: `${days}d` } }] },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [`${prefix}*`], priority: 100 }],
    },
  };
}
