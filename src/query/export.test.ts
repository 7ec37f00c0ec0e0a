import { describe, expect, it } from 'vitest';
import type { AlertDocument } from '../core/document.js';
import { csvCell, csvHeader, csvRecord, exportFileName, ndjsonRecord } from './export-format.js';
import { startExport } from './export.js';
import type { Hit, SearchBackend, SearchRequest } from './search-api.js';

describe('CSV cells', () => {
  it('neutralizes text that a spreadsheet would run as a formula (= + - @ tab CR), not numbers', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(1)')).toBe("'@SUM(1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell(['=a', 'b'])).toBe(`"'=a, b"`);
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('plain')).toBe('plain');
  });

  it('quotes as RFC 4180 has it: quotes doubled, commas and line breaks inside quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('one\ntwo')).toBe('"one\ntwo"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });

  it('writes records ending in CRLF, columns by dotted path (x.keyword reads x), hidsmon’s @ fields unprefixed in the header', () => {
    const doc = { '@timestamp': '2024-03-02T12:00:00.000Z', rule: { level: 7 }, full_log: 'x, y' } as unknown as AlertDocument;
    expect(csvHeader(['@timestamp', 'rule.level', '=evil'])).toBe("@timestamp,rule.level,'=evil\r\n");
    expect(csvRecord(doc, ['@timestamp', 'rule.level', 'full_log.keyword', 'missing'])).toBe('2024-03-02T12:00:00.000Z,7,"x, y",\r\n');
    expect(ndjsonRecord({ index: 'i', id: 'd', document: doc }, ['rule.level', '__proto__'])).toBe('{"rule.level":7}\n');
    expect(exportFileName('csv', { fromMs: 0, toMs: 1000 })).toBe('hidsmon-1970-01-01T000000Z-1970-01-01T000001Z.csv');
  });
});

/** A backend of `n` hits, newest first, that records what it was asked (pure paging logic). */
function fakeBackend(n: number): SearchBackend & { requests: SearchRequest[]; opened: number; closed: string[] } {
  const hits: Hit[] = Array.from({ length: n }, (_, i) => ({ index: 'cwl-x', id: `d${i}`, sort: [n - i, `e${i}`], document: { '@timestamp': new Date(n - i).toISOString(), full_log: `line ${i}` } as unknown as AlertDocument }));
  const backend = {
    requests: [] as SearchRequest[],
    opened: 0,
    closed: [] as string[],
    search: async (request: SearchRequest) => {
      backend.requests.push(request);
      const start = request.searchAfter ? hits.findIndex((h) => h.sort[0] === request.searchAfter?.[0]) + 1 : 0;
      return { ok: true as const, value: { total: request.trackTotal === false ? -1 : n, hits: hits.slice(start, start + (request.size ?? 20)), aggregations: {}, tookMs: 0 } };
    },
    openPointInTime: async () => `pit${++backend.opened}`,
    closePointInTime: async (id: string) => void backend.closed.push(id),
    fields: async () => [],
    indices: async () => [],
    deleteIndex: async () => false,
    deleteOlderThan: async () => [],
    document: async () => undefined,
  };
  return backend;
}

describe('startExport', () => {
  it('pages with search_after on a point in time until the last hit, counts only the first page, and closes the point in time', async () => {
    const backend = fakeBackend(25);
    const progress: Array<[number, number]> = [];
    const run = await startExport(backend, { query: { kind: 'match_all' } }, { format: 'csv', columns: ['full_log'], pageSize: 10, onProgress: (r, t) => progress.push([r, t]) });
    let text = '';
    for await (const chunk of run.chunks) text += chunk;
    expect(text.split('\r\n').filter((l) => l !== '')).toHaveLength(26);
    expect(backend.requests.map((r) => [r.searchAfter?.[0], r.trackTotal, r.pointInTime])).toEqual([
      [undefined, undefined, 'pit1'],
      [16, false, 'pit1'],
      [6, false, 'pit1'],
    ]);
    expect(progress).toEqual([[10, 25], [20, 25], [25, 25]]);
    expect(backend.closed).toEqual(['pit1']);
  });

  it('asks for no further page once cancelled, started or not, and closes the point in time', async () => {
    const backend = fakeBackend(100);
    const run = await startExport(backend, { query: { kind: 'match_all' } }, { format: 'ndjson', columns: [], pageSize: 10 });
    await run.chunks.next();
    await run.cancel();
    expect(backend.requests).toHaveLength(1);
    expect(backend.closed).toEqual(['pit1']);
    const unstarted = await startExport(backend, { query: { kind: 'match_all' } }, { format: 'csv', columns: ['full_log'], pageSize: 10 });
    await unstarted.cancel();
    expect(backend.closed).toEqual(['pit1', 'pit2']);
  });
});
