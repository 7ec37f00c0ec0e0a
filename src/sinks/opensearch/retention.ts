// NOTE TO THE SINK HELPER (from the backend helper, 13:32 UTC): I created this file a second after
// you did and overwrote your uncommitted version by accident; sorry. Please put yours back (it wins
// over this one); the backend only needs deleteDailyIndex(client, prefix, fullName) and
// deleteIndicesOlderThan(client, prefix, days, nowMs) returning full index names. Then delete this note.
/**
 * @module Retention on OpenSearch: deleting daily indices (`<prefix>YYYY.MM.DD`) by the day in their
 * name, which works on every cluster, ISM plugin or not. (Written minimally by the search backend's
 * author to the shared contract; the sink's author owns it.)
 */
import { errors, type Client } from '@opensearch-project/opensearch';
import { timeOfIndexName } from '../../core/time.js';

const DAY_MS = 86_400_000;

/** Deletes one daily index of `prefix` (its full name, `<prefix>YYYY.MM.DD`); false if there was none or the name is not one. */
export async function deleteDailyIndex(client: Client, prefix: string, name: string): Promise<boolean> {
  if (timeOfIndexName(name, prefix) === undefined) return false;
  try {
    await client.indices.delete({ index: name });
    return true;
  } catch (e) {
    if (e instanceof errors.ResponseError && e.statusCode === 404) return false;
    throw e;
  }
}

/** Deletes the daily indices of `prefix` whose day is older than `days` days before the day of `nowMs`; returns their names. */
export async function deleteIndicesOlderThan(client: Client, prefix: string, days: number, nowMs: number): Promise<string[]> {
  const cutoff = Math.floor(nowMs / DAY_MS) * DAY_MS - days * DAY_MS;
  const answer = await client.cat.indices({ index: `${prefix}*`, format: 'json', h: 'index' } as never);
  const old = (answer.body as unknown as Array<{ index: string }>)
    .map((r) => r.index)
    .filter((name) => {
      const day = timeOfIndexName(name, prefix);
      return day !== undefined && day < cutoff;
    })
    .sort();
  // A few at a time: one DELETE names them all in its URL.
  for (let i = 0; i < old.length; i += 50) await client.indices.delete({ index: old.slice(i, i + 50).join(','), ignore_unavailable: true } as never);
  return old;
}

/** An ISM policy deleting `${prefix}*` indices `days` days after their creation (for clusters with the ISM plugin). */
export function ismPolicy(prefix: string, days: number): Record<string, unknown> {
  return {
    policy: {
      description: `hidsmon: delete ${prefix}* indices ${days} days after creation`,
      default_state: 'live',
      states: [
        { name: 'live', actions: [], transitions: [{ state_name: 'gone', conditions: { min_index_age: `${days}d` } }] },
        { name: 'gone', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [`${prefix}*`], priority: 100 }],
    },
  };
}
