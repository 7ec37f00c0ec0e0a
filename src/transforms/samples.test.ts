/**
 * Every real alert in test/fixtures/samples (provenance in SOURCES.md) parses, in its own format,
 * to the fields read off it by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getPath } from '../core/paths.js';
import { splitAlertRecords } from './split-alert-records.js';
import { readMessage } from './to-document.js';

const SAMPLES = new URL('../../test/fixtures/samples/', import.meta.url);

type Row = [file: string, line: number, format: string, alertId: string | null, time: string | null, sidid: number, level: number, comment: string, fields: Record<string, unknown>, flags?: string[]];

// prettier-ignore
const EXPECTED: Row[] = [
  ['ait-aecid-alert-aggregation.jsonl', 0, 'wazuh-json', '1588001006.9628221', '2020-03-04T13:55:05.224Z', 20100, 8, 'First time this IDS alert is generated.', { srcip: '192.168.10.18', dstip: '192.168.10.21', dstport: '80', hostname: 'user-0', decoder: 'snort' }, ['ip_port_split']],
  ['ait-aecid-alert-aggregation.jsonl', 1, 'wazuh-json', '1588001102.9631316', '2020-03-04T13:56:40.993Z', 86601, 3, 'Suricata: Alert - ET WEB_SERVER ColdFusion administrator access', { location: '/var/log/forensic/suricata/eve.json', decoder: 'json' }],
  ['ait-aecid-alert-aggregation.jsonl', 2, 'wazuh-json', '1588001409.9646114', '2020-03-04T14:01:46.614Z', 20101, 6, 'IDS event.', { srcip: '192.168.10.18', dstip: '192.168.10.21' }, ['ip_port_split']],
  ['ait-aecid-alert-aggregation.jsonl', 3, 'wazuh-json', '1588001437.9649611', '2020-03-04T14:02:16.216Z', 86601, 3, 'Suricata: Alert - ET POLICY Http Client Body contains pass= in cleartext', { hostname: 'user-0' }],
  ['ait-aecid-alert-aggregation.jsonl', 4, 'wazuh-json', '1588002171.9681338', '2020-03-04T14:14:30.000Z', 5503, 5, 'PAM: User login failed.', { srcip: '127.0.0.1', srcuser: 'violet', dstuser: 'violet', program_name: 'auth', decoder: 'pam' }],
  ['ait-aecid-alert-aggregation.jsonl', 5, 'wazuh-json', '1588002175.9684853', '2020-03-04T14:14:33.000Z', 5551, 10, 'PAM: Multiple failed logins in a small period of time.', { srcip: '127.0.0.1', 'rule.frequency': 6 }],
  ['ait-aecid-alert-aggregation.jsonl', 6, 'wazuh-json', '1588002177.9697066', '2020-03-04T14:14:36.000Z', 2501, 5, 'syslog: User authentication failure.', { program_name: 'HORDE', srcip: undefined }],
  ['ait-aecid-alert-aggregation.jsonl', 7, 'wazuh-json', '1588002177.9699577', '2020-03-04T14:14:36.000Z', 9705, 5, 'Dovecot Invalid User Login Attempt.', { srcip: '127.0.0.1', dstip: '127.0.0.1', srcuser: '<violet>' }],
  ['ait-aecid-alert-aggregation.jsonl', 8, 'wazuh-json', '1588002179.9716580', '2020-03-04T14:14:37.288Z', 20152, 10, 'Multiple IDS alerts for same id.', { srcip: '192.168.10.18', dstip: '192.168.10.21' }, ['ip_port_split']],
  ['ait-aecid-alert-aggregation.jsonl', 9, 'wazuh-json', '1588002179.9727341', '2020-03-04T14:14:37.000Z', 9751, 10, 'Dovecot brute force attack (multiple auth failures).', { srcuser: '<violet>' }],
  ['ait-aecid-alert-aggregation.jsonl', 10, 'wazuh-json', '1588003085.10040138', '2020-03-04T14:29:43.000Z', 52507, 3, 'ClamAV database update', { program_name: 'freshclam', decoder: 'freshclam' }],
  ['ait-aecid-alert-aggregation.jsonl', 11, 'wazuh-json', '1588004527.10056355', '2020-03-04T18:02:04.347Z', 86601, 3, 'Suricata: Alert - SURICATA HTTP Host header invalid', { decoder: 'json' }],
  ['ait-aecid-alert-aggregation.jsonl', 12, 'wazuh-json', '1588005828.10118506', '2020-03-04T18:23:45.000Z', 5503, 5, 'PAM: User login failed.', { srcuser: 'giovanni', dstuser: 'giovanni' }],
  ['ait-aecid-alert-aggregation.jsonl', 13, 'wazuh-json', '1588005828.10121691', '2020-03-04T18:23:46.000Z', 5551, 10, 'PAM: Multiple failed logins in a small period of time.', { srcuser: 'giovanni' }],
  ['ait-aecid-alert-aggregation.jsonl', 14, 'wazuh-json', '1588005836.10138448', '2020-03-04T18:23:54.000Z', 2501, 5, 'syslog: User authentication failure.', { program_name: 'HORDE' }],
  ['ait-aecid-alert-aggregation.jsonl', 15, 'wazuh-json', '1588005836.10140971', '2020-03-04T18:23:54.000Z', 9705, 5, 'Dovecot Invalid User Login Attempt.', { srcuser: '<giovanni>' }],
  ['ait-aecid-alert-aggregation.jsonl', 16, 'wazuh-json', '1588005840.10151942', '2020-03-04T18:23:57.000Z', 9751, 10, 'Dovecot brute force attack (multiple auth failures).', { srcip: '127.0.0.1' }],
  ['ait-aecid-alert-aggregation.jsonl', 17, 'wazuh-json', '1588005840.10171336', '2020-03-04T18:23:57.160Z', 20152, 10, 'Multiple IDS alerts for same id.', { srcip: '192.168.10.81', dstip: '192.168.10.122' }, ['ip_port_split']],
  ['ossec-docs.alerts.log', 0, 'alerts-log', '1510376401.0', '2017-11-11T05:00:01.000Z', 1005, 5, 'Syslogd restarted.', { hostname: 'ix', location: '/var/log/messages', full_log: 'Nov 11 00:00:01 ix syslogd[72090]: restart', 'rule.group': ['syslog', 'errors'], 'rule.mail': false }],
  ['ossec-docs.alerts.log', 5, 'alerts-log', '1510376417.172', '2017-11-11T05:00:17.000Z', 53508, 5, 'Server TLS certificate verification failed.', { hostname: 'junction', agent_name: 'junction', agentip: '192.168.17.17', location: '(junction) 192.168.17.17->/var/log/maillog', logfile: '/var/log/maillog' }],
  ['ossec-docs.alerts.log', 10, 'alerts-log', '1510376428.465', '2017-11-11T05:00:28.000Z', 5402, 3, 'Successful sudo to ROOT executed', { dstuser: 'root', hostname: 'ubnt', 'rule.group': ['syslog', 'sudo'] }],
  ['ossec-docs.alerts.log', 16, 'alerts-log', '1510376428.758', '2017-11-11T05:00:28.000Z', 5501, 3, 'Login session opened.', { hostname: 'ubnt', full_log: 'Nov  5 15:35:03 ubnt sudo: pam_unix(sudo:session): session opened for user root by (uid=0)' }],
  ['ossec-docs.jsonl', 0, 'ossec-json', '1510376401.0', '2017-11-11T05:00:01.000Z', 1005, 5, 'Syslogd restarted.', { hostname: 'ix', program_name: 'syslogd', 'rule.group': ['syslog', 'errors'] }],
  ['ossec-docs.jsonl', 1, 'ossec-json', '1510376417.172', '2017-11-11T05:00:17.000Z', 53508, 5, 'Server TLS certificate verification failed.', { hostname: 'junction', agentip: '192.168.17.17', logfile: '/var/log/maillog', decoder: 'smtpd' }],
  ['ossec-docs.jsonl', 2, 'ossec-json', '1510376428.465', '2017-11-11T05:00:28.000Z', 5402, 3, 'Successful sudo to ROOT executed', { srcuser: 'root', dstuser: 'root', url: '/', decoder: 'sudo' }],
  ['ossec-docs.jsonl', 3, 'ossec-json', '1510376428.758', '2017-11-11T05:00:28.000Z', 5501, 3, 'Login session opened.', { decoder: 'pam', program_name: 'sudo' }],
  ['ossec-docs.jsonl', 4, 'ossec-json', '1510376430.1015', '2017-11-11T05:00:30.000Z', 5502, 3, 'Login session closed.', { decoder: 'pam' }],
  ['ossec-docs.jsonl', 5, 'ossec-json', '1510376490.1239', '2017-11-11T05:01:30.000Z', 5402, 3, 'Successful sudo to ROOT executed', { srcuser: 'root' }],
  ['ossec-docs.jsonl', 6, 'ossec-json', '1510376490.1533', '2017-11-11T05:01:30.000Z', 5501, 3, 'Login session opened.', { hostname: 'ubnt' }],
  ['ossec-docs.jsonl', 7, 'ossec-json', '1510376490.1791', '2017-11-11T05:01:30.000Z', 5502, 3, 'Login session closed.', { hostname: 'ubnt' }],
  ['ossec-docs.jsonl', 8, 'ossec-json', '1510376550.2015', '2017-11-11T05:02:30.000Z', 5402, 3, 'Successful sudo to ROOT executed', { status: '/usr/bin/vtysh.pl -c show ip route summary json' }],
  ['ossec-hids-doc-nmap.alerts.log', 0, 'alerts-log', '1152058913.238', '2006-07-05T00:21:53.000Z', 15, 8, 'New host information added.', { location: '/var/log/nmap-out.log', srcip: undefined, dstuser: undefined, hostname: undefined, 'rule.mail': true, full_log: 'Host: 192.168.2.10, open ports: 21(tcp) 22(tcp) 80(tcp) 113(tcp) 514(udp) 1514(udp) 4500(udp)' }],
  ['ossec-hids-doc-nmap.alerts.log', 7, 'alerts-log', '1152058983.487', '2006-07-05T00:23:03.000Z', 15, 8, 'Host information changed.', { full_log: 'Host: 192.168.2.1, open ports: 54(udp) 8080(tcp) 161(udp) 520(udp) 1025(udp) 1900(udp)\nPreviously open ports: 53(udp) 80(tcp) 161(udp) 520(udp) 1025(udp) 1900(udp)' }],
  ['ossec-hids-issues.alerts.log', 0, 'alerts-log', '1489183089.253799', '2017-03-10T21:58:09.000Z', 5502, 3, 'Login session closed.', { hostname: 'ubnt', 'rule.group': ['pam', 'syslog'] }],
  ['ossec-hids-issues.alerts.log', 5, 'alerts-log', '1531498722.5744', '2018-07-13T16:18:42.000Z', 510, 7, 'Host-based anomaly detection event (rootcheck).', { hostname: 'ip-10-31-68-107', location: 'rootcheck' }],
  ['ossec-hids-issues.jsonl', 0, 'ossec-json', '1489183089.253799', '2017-03-10T21:58:09.000Z', 5502, 3, 'Login session closed.', { TimeStamp: Date.UTC(2017, 2, 10, 16, 58, 9) }, ['time_zone_unknown']],
  ['ossec-hids-issues.jsonl', 1, 'ossec-json', null, null, 510, 7, 'Host-based anomaly detection event (rootcheck).', { location: 'rootcheck', hostname: undefined }],
  ['panther-ossec.jsonl', 0, 'ossec-json', '1540845340.16991', '2018-10-29T20:35:40.000Z', 550, 7, 'Integrity checksum changed.', { hostname: 'ip-172-16-2-16', 'syscheck.path': '/usr/bin/ssm-cli', 'syscheck.event': 'modified', 'SyscheckFile.md5_after': '220a8f105af5e711f99e52583209a871' }],
  ['perl-ossec-log-parse.alerts.log', 0, 'alerts-log', '1443175627.1028', '2015-09-25T10:07:07.000Z', 10100, 4, 'First time user logged in.', { srcip: '10.0.0.2', dstuser: 'phirelight', hostname: 'i7dev', agentip: '10.0.0.4', 'rule.mail': true }],
  ['perl-ossec-log-parse.alerts.log', 7, 'alerts-log', '1443175106.517', '2015-09-25T09:58:26.000Z', 5303, 3, 'User successfully changed UID to root.', { dstuser: 'root', hostname: 'server', 'rule.group': ['syslog', 'su', 'authentication_success'] }],
  ['perl-ossec-log-parse.alerts.log', 13, 'alerts-log', '1449913347.461', '2015-12-12T09:42:27.000Z', 531, 7, 'Partition usage reached 100% (disk space monitor).', { hostname: 'devG8-1', location: 'df -h' }],
  ['wazuh-issues.alerts.log', 0, 'alerts-log', '1580211913.205659', '2020-01-28T11:45:13.000Z', 510, 7, 'Host-based anomaly detection event (rootcheck).', { hostname: 'AIX', agentip: '12.202.69.5', 'data.title': 'Trojaned version of file detected.', 'data.file': '/bin/netstat' }],
  ['wazuh-issues.alerts.log', 7, 'alerts-log', '1580211913.206030', '2020-01-28T11:45:13.000Z', 510, 7, 'Host-based anomaly detection event (rootcheck).', { 'data.file': '/usr/bin/netstat' }],
  ['wazuh-issues.alerts.log', 14, 'alerts-log', '1565780957.142315', '2019-08-14T11:09:17.000Z', 554, 5, 'File added to the system.', { hostname: 'vm-ubuntu3', 'syscheck.path': '/home/test/filenew.txt', 'syscheck.event': 'added' }],
  ['wazuh-issues.alerts.log', 36, 'alerts-log', '1681464854.693219', '2023-04-14T09:34:14.000Z', 550, 7, 'Integrity checksum changed.', { agentip: undefined, 'syscheck.path': '/test/file1', 'syscheck.event': 'modified', 'syscheck.mode': 'realtime', 'syscheck.changed_attributes': ['md5'], 'syscheck.md5_before': 'd41d8cd98f00b204e9800998ecf8427e', 'syscheck.md5_after': undefined }],
  ['wazuh-issues.alerts.log', 47, 'alerts-log', '1688976781.1095804', '2023-07-10T08:13:01.000Z', 554, 5, 'File added to the system.', { hostname: 'wazuh-agent', 'syscheck.path': '/tmp/testing_file.txt' }],
  ['wazuh-issues.alerts.log', 64, 'alerts-log', '1747142869.1913744', '2025-05-13T13:27:49.000Z', 554, 5, 'File added to the system.', { hostname: 'agama.local', 'syscheck.mode': 'whodata' }],
  ['wazuh-issues.jsonl', 0, 'wazuh-json', '1508174026.25193', '2017-10-16T17:13:46.000Z', 502, 3, 'Ossec server started.', { hostname: 'ubuntu', location: 'ossec-monitord', decoder: 'ossec', 'rule.group': ['ossec'] }],
  ['wazuh-issues.jsonl', 1, 'wazuh-json', '1504864866.69282', '2017-09-08T10:01:06.000Z', 516, 3, 'System Audit event.', { hostname: 'centos', 'data.file': '/etc/ssh/sshd_config' }],
  ['wazuh-issues.jsonl', 2, 'wazuh-json', '1697632108.4751', '2023-10-18T12:28:28.434Z', 5402, 3, 'Successful sudo to ROOT executed.', { srcuser: 'vagrant', dstuser: 'root', hostname: 'agent-1', agentip: '192.168.56.6', decoder: 'sudo', decoder_parent: 'sudo', 'decoder_desc.ftscomment': 'First time user executed the sudo command', 'rule.id': '5402' }],
  ['wazuh-issues.jsonl', 3, 'wazuh-json', '1697632215.14896', '2023-10-18T12:30:15.338Z', 5501, 3, 'PAM: Login session opened.', { srcuser: 'vagrant', dstuser: 'root', program_name: 'su', 'rule.description': 'PAM: Login session opened.' }],
  ['wazuh-issues.jsonl', 4, 'wazuh-json', '1783948787.1586846', '2026-07-13T13:19:47.019Z', 510, 7, 'Host-based anomaly detection event (rootcheck).', { hostname: 'sossp104', agentip: '192.168.253.104' }],
  ['wazuh-issues.jsonl', 5, 'wazuh-json', '1789552517.180112', '2026-09-16T09:55:17.833Z', 510, 7, 'Host-based anomaly detection event (rootcheck).', { 'agent.id': '009' }],
  ['wazuh-issues.jsonl', 6, 'wazuh-json', '1674485871.513836', '2023-01-23T14:57:51.437Z', 510, 7, 'Host-based anomaly detection event (rootcheck).', { hostname: 'Alpine-fix', agentip: '10.0.2.15' }],
  ['wazuh-tests.jsonl', 0, 'wazuh-json', '1652272159.1549653', '2022-05-11T12:29:19.905Z', 5712, 10, 'sshd: brute force trying to get access to the system. Non existent user.', { srcip: '172.17.1.1', srcuser: 'paco', srcport: '56404', hostname: 'localhost.localdomain', 'rule.frequency': 8, 'rule.group': ['syslog', 'sshd', 'authentication_failures'] }],
];

function readSamples(): Map<string, { file: string; line: number; text: string }> {
  const out = new Map<string, { file: string; line: number; text: string }>();
  for (const file of readdirSync(SAMPLES).filter((f) => f.endsWith('.jsonl') || f.endsWith('.alerts.log'))) {
    for (const record of splitAlertRecords(readFileSync(new URL(file, SAMPLES), 'utf8'))) {
      out.set(`${file}:${record.line}`, { file, line: record.line, text: record.text });
    }
  }
  return out;
}

describe('real samples', () => {
  const samples = readSamples();

  it('are all covered by this table (38 JSON alerts, 17 alerts.log records per SOURCES.md)', () => {
    expect(samples.size).toBe(55);
    expect(new Set(EXPECTED.map(([f, l]) => `${f}:${l}`))).toEqual(new Set(samples.keys()));
  });

  it.each(EXPECTED)('%s:%i parses as %s', (file, line, format, alertId, time, sidid, level, comment, fields, flags = []) => {
    const sample = samples.get(`${file}:${line}`);
    expect(sample).toBeDefined();
    const reading = readMessage(sample!.text);
    if (!reading.ok) throw new Error(`${file}:${line} did not parse: ${reading.error.message}`);
    const { alert } = reading;
    expect(alert.format).toBe(format);
    expect(alert.alertId ?? null).toBe(alertId);
    expect(alert.timeMs === undefined ? null : new Date(alert.timeMs).toISOString()).toBe(time);
    expect(getPath(alert.fields, 'rule.sidid')).toBe(sidid);
    expect(getPath(alert.fields, 'rule.level')).toBe(level);
    expect(getPath(alert.fields, 'rule.comment')).toBe(comment);
    for (const [path, value] of Object.entries(fields)) expect(getPath(alert.fields, path), path).toEqual(value);
    expect(alert.fields.hidsmon.flags ?? []).toEqual(flags);
    expect(alert.fields.hidsmon.format).toBe(format);
  });
});
