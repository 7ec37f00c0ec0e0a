import { describe, expect, it } from 'vitest';
import { heartbeatRecord } from '../agent/ship/heartbeat.js';
import { readHeartbeat } from './heartbeat.js';
import { documentFromLogEvent } from './to-document.js';

const event = (message: string) => ({ eventId: '1', timestampMs: 1_700_000_000_000, message, owner: '123456789012', logGroup: 'hids-alerts', logStream: 'i-1' });

describe('heartbeat documents', () => {
  it("the agent's heartbeat is flagged heartbeat (not not_an_alert), its fields under `heartbeat`", () => {
    const { message } = heartbeatRecord(1_700_000_000_000, { agent_version: '0.1.0', host: 'web-1', files: 2 });
    const doc = documentFromLogEvent(event(message)).document as Record<string, any>;
    expect(doc['hidsmon']).toEqual({ flags: ['heartbeat'] });
    expect(doc['heartbeat']).toMatchObject({ heartbeat: true, agent_version: '0.1.0', host: 'web-1', files: 2 });
  });

  it('anything else shaped like it stays not_an_alert, and cannot set hidsmon metadata', () => {
    for (const message of ['{"hidsmon":{"heartbeat":"yes"}}', '{"hidsmon":[1]}', '{"hidsmon":{"heartbeat":true', ' {"hidsmon":{"heartbeat":true}}']) {
      expect(readHeartbeat(message)).toBeUndefined();
      expect((documentFromLogEvent(event(message)).document as Record<string, any>)['hidsmon'].flags).toEqual(['not_an_alert']);
    }
  });
});
