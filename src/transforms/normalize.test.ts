import { describe, expect, it } from 'vitest';
import { parseAlert } from './parse-alert.js';
import { normalizeAlert, type NormalizedAlert } from './normalize.js';

function normalize(text: string): NormalizedAlert {
  const parsed = parseAlert(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return normalizeAlert(parsed.value);
}

describe('normalizeAlert: Wazuh onto the blog\'s names', () => {
  const wazuh = normalize(
    JSON.stringify({
      timestamp: '2023-10-18T12:28:28.434+0000',
      rule: { level: 3, description: 'Successful sudo to ROOT executed.', id: '5402', groups: ['syslog', 'sudo'], firedtimes: 4 },
      agent: { id: '001', name: 'agent-1', ip: '192.168.56.6' },
      id: '1697632108.4751',
      predecoder: { program_name: 'sudo', hostname: 'agent-1' },
      decoder: { parent: 'sudo', name: 'sudo' },
      data: { srcuser: 'vagrant', dstuser: 'root', srcip: '10.10.10.10', srcport: '22', system_name: 'web' },
      location: '/var/log/auth.log',
    }),
  );

  it('maps rule.id (a string) to rule.sidid (a number), description to comment, groups to group', () => {
    expect(wazuh.fields['rule']).toEqual({
      level: 3,
      description: 'Successful sudo to ROOT executed.',
      id: '5402',
      groups: ['syslog', 'sudo'],
      firedtimes: 4,
      sidid: 5402,
      comment: 'Successful sudo to ROOT executed.',
      group: ['syslog', 'sudo'],
    });
  });

  it('promotes data.*, agent and predecoder fields and keeps the originals', () => {
    expect(wazuh.fields).toMatchObject({
      srcip: '10.10.10.10',
      srcport: '22',
      srcuser: 'vagrant',
      dstuser: 'root',
      systemname: 'web',
      hostname: 'agent-1',
      agentip: '192.168.56.6',
      program_name: 'sudo',
      data: { srcuser: 'vagrant', dstuser: 'root', srcip: '10.10.10.10', srcport: '22', system_name: 'web' },
      agent: { id: '001', name: 'agent-1', ip: '192.168.56.6' },
    });
  });

  it('makes decoder a keyword and keeps the decoder object as decoder_desc', () => {
    expect(wazuh.fields['decoder']).toBe('sudo');
    expect(wazuh.fields['decoder_parent']).toBe('sudo');
    expect(wazuh.fields['decoder_desc']).toEqual({ parent: 'sudo', name: 'sudo' });
  });

  it('takes the alert time from the zoned timestamp and the id as is', () => {
    expect(wazuh.timeMs).toBe(Date.UTC(2023, 9, 18, 12, 28, 28, 434));
    expect(wazuh.alertId).toBe('1697632108.4751');
    expect(wazuh.fields.hidsmon).toEqual({ format: 'wazuh-json' });
  });
});

describe('normalizeAlert: OSSEC releases brought to one shape', () => {
  it('splits the 3.0 group string and keeps 3.2+ groups', () => {
    expect(normalize('{"rule":{"level":3,"sidid":5502,"comment":"c","group":"pam,syslog,"}}').fields['rule']).toMatchObject({ group: ['pam', 'syslog'] });
    expect(normalize('{"rule":{"level":3,"sidid":5502,"comment":"c","groups":["pam","syslog"]}}').fields['rule']).toMatchObject({ group: ['pam', 'syslog'], groups: ['pam', 'syslog'] });
  });

  it('reads agent name and ip out of an agent event\'s hostname and location', () => {
    const alert = normalize('{"rule":{"level":5,"sidid":1,"comment":"c"},"location":"(junction) 192.168.17.17->/var/log/maillog","hostname":"(junction) 192.168.17.17->/var/log/maillog"}');
    expect(alert.fields).toMatchObject({ hostname: 'junction', agent_name: 'junction', agentip: '192.168.17.17', logfile: '/var/log/maillog', location: '(junction) 192.168.17.17->/var/log/maillog' });
  });

  it('turns the 3.3 duplicate decoder object and the decoder-field data string into the common shape', () => {
    const alert = normalize('{"rule":{"level":5,"sidid":1,"comment":"c"},"decoder":{"name":"sshd","fts":1},"data":"some value"}');
    expect(alert.fields).toMatchObject({ decoder: 'sshd', decoder_desc: { name: 'sshd', fts: 1 }, data: { data: 'some value' } });
  });

  it('gives OSSEC FIM the same syscheck.path and event as Wazuh', () => {
    const alert = normalize('{"rule":{"level":7,"sidid":553,"comment":"File deleted."},"file":{"path":"/etc/passwd"}}');
    expect(alert.fields['syscheck']).toEqual({ path: '/etc/passwd', event: 'deleted' });
  });
});

describe('normalizeAlert: types', () => {
  it('makes numbers of numeric strings', () => {
    const alert = normalize('{"rule":{"level":"6","sidid":"5706","comment":"c","firedtimes":"3"},"TimeStamp":"1709390027000"}');
    expect(alert.fields['rule']).toMatchObject({ level: 6, sidid: 5706, firedtimes: 3 });
    expect(alert.fields['TimeStamp']).toBe(1709390027000);
    expect(alert.timeMs).toBe(1709390027000);
  });

  it('keeps a value of the wrong type aside, flagged, instead of dropping it', () => {
    const alert = normalize('{"rule":{"level":"high","sidid":5706,"comment":["a"]},"srcip":"not-an-ip","dstip":{"x":1},"srcuser":{"name":"x"},"TimeStamp":"soon"}');
    expect(alert.fields['rule']).toEqual({ sidid: 5706 });
    expect(alert.fields['srcip']).toBeUndefined();
    expect(alert.fields['srcuser']).toBeUndefined();
    expect(alert.fields.hidsmon).toEqual({
      format: 'ossec-json',
      flags: ['invalid_value'],
      invalid: { rule: { level: 'high', comment: '["a"]' }, srcuser: '{"name":"x"}', srcip: 'not-an-ip', dstip: '{"x":1}', TimeStamp: 'soon' },
    });
  });

  it('drops OSSEC\'s (none) placeholder, splits ip:port, accepts IPv6', () => {
    const alert = normalize('{"rule":{"level":1,"sidid":1,"comment":"c"},"srcip":"(none)","dstip":"192.168.10.21:80","agentip":"2001:db8::1"}');
    expect(alert.fields['srcip']).toBeUndefined();
    expect(alert.fields).toMatchObject({ dstip: '192.168.10.21', dstport: '80', agentip: '2001:db8::1' });
    expect(alert.fields.hidsmon.flags).toEqual(['ip_port_split']);
  });

  it('does not let alert fields replace the envelope or metadata', () => {
    const alert = normalize('{"rule":{"level":1,"sidid":1,"comment":"c"},"@timestamp":"1999","hidsmon":{"flags":[]},"@id":7}');
    expect(alert.fields['@timestamp']).toBeUndefined();
    expect(alert.fields['@id']).toBeUndefined();
    expect(alert.fields.hidsmon).toEqual({ format: 'ossec-json', flags: ['reserved_field'], invalid: { '@timestamp': '1999', hidsmon: '{"flags":[]}', '@id': '7' } });
  });

  it('prefers exact alert times to local ones and says when it guessed the zone', () => {
    expect(normalize('{"rule":{"level":1,"sidid":1,"comment":"c"},"id":"1709390027.5","timestamp":"2024 Mar 02 09:33:47"}').timeMs).toBe(1709390027000);
    const local = normalize('{"rule":{"level":1,"sidid":1,"comment":"c"},"timestamp":"2024 Mar 02 09:33:47"}');
    expect(local.timeMs).toBe(Date.UTC(2024, 2, 2, 9, 33, 47));
    expect(local.fields.hidsmon.flags).toEqual(['time_zone_unknown']);
  });
});
