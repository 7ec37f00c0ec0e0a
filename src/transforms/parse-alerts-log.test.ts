import { describe, expect, it } from 'vitest';
import { parseAlertsLogRecord, splitGroups } from './parse-alerts-log.js';

const SSH_SCAN = `** Alert 1709390200.48213: - syslog,sshd,recon,
2024 Mar 02 14:36:40 ip-172-31-20-5->/var/log/secure
Rule: 5706 (level 6) -> 'SSH insecure connection attempt (scan).'
Src IP: 10.10.10.10
Src Port: 51234
Mar  2 14:36:40 ip-172-31-20-5 sshd[4821]: Did not receive identification string from 10.10.10.10 port 51234
`;

describe('parseAlertsLogRecord', () => {
  it('reads header, origin, rule, header fields and the log line', () => {
    const result = parseAlertsLogRecord(SSH_SCAN);
    expect(result).toEqual({
      ok: true,
      value: {
        id: '1709390200.48213',
        rule: { level: 6, sidid: 5706, comment: 'SSH insecure connection attempt (scan).', group: 'syslog,sshd,recon,', mail: false },
        timestamp: '2024 Mar 02 14:36:40',
        hostname: 'ip-172-31-20-5',
        location: '/var/log/secure',
        logfile: '/var/log/secure',
        srcip: '10.10.10.10',
        srcport: '51234',
        full_log: 'Mar  2 14:36:40 ip-172-31-20-5 sshd[4821]: Did not receive identification string from 10.10.10.10 port 51234',
      },
    });
  });

  it('reads CRLF line ends like LF', () => {
    expect(parseAlertsLogRecord(SSH_SCAN.replaceAll('\n', '\r\n'))).toEqual(parseAlertsLogRecord(SSH_SCAN));
  });

  it('reads the mail flag, groups with spaces, and a comment with quotes', () => {
    const result = parseAlertsLogRecord(`** Alert 1.2: mail  - syslog, su,authentication_failed,
2015 Sep 25 05:58:26 server->/var/log/auth.log
Rule: 5302 (level 9) -> 'User missed the password to change UID to 'root'.'
User: root
Sep 25 05:58:25 devG8-1 su[10627]: - /dev/pts/7 alice:root`);
    expect(result.ok && result.value.rule).toEqual({ level: 9, sidid: 5302, comment: "User missed the password to change UID to 'root'.", group: 'syslog, su,authentication_failed,', mail: true });
    expect(splitGroups('syslog, su,authentication_failed,')).toEqual(['syslog', 'su', 'authentication_failed']);
  });

  it('puts Wazuh agent labels, dynamic fields and correlated events where they belong', () => {
    const result = parseAlertsLogRecord(`** Alert 1652272159.1549653: mail  - syslog,sshd,authentication_failures,
2022 May 11 12:29:19 (web-01) 10.0.1.25->/var/log/secure
aws.instance-id: i-0e427a8594852eca2
Rule: 5712 (level 10) -> 'sshd: brute force trying to get access to the system. Non existent user.'
Src IP: 172.17.1.1
May 11 12:29:18 localhost sshd[17584]: Invalid user paco from 172.17.1.1 port 56404
srcuser: paco
May 11 12:29:16 localhost sshd[17582]: Invalid user paco from 172.17.1.1 port 56402
May 11 12:29:14 localhost sshd[17580]: Invalid user paco from 172.17.1.1 port 56400
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value['agent']).toEqual({ labels: { 'aws.instance-id': 'i-0e427a8594852eca2' } });
    expect(result.value['agent_name']).toBe('web-01');
    expect(result.value['agentip']).toBe('10.0.1.25');
    expect(result.value['logfile']).toBe('/var/log/secure');
    expect(result.value.full_log).toBe('May 11 12:29:18 localhost sshd[17584]: Invalid user paco from 172.17.1.1 port 56404');
    expect(result.value['data']).toEqual({ srcuser: 'paco' });
    expect(result.value['previous_output']).toBe(
      'May 11 12:29:16 localhost sshd[17582]: Invalid user paco from 172.17.1.1 port 56402\nMay 11 12:29:14 localhost sshd[17580]: Invalid user paco from 172.17.1.1 port 56400',
    );
  });

  it('treats OSSEC correlated events without dynamic fields as previous_output', () => {
    const result = parseAlertsLogRecord(`** Alert 5.6: mail  - syslog,sshd,
2024 Mar 02 14:36:40 h->/var/log/secure
Rule: 5720 (level 10) -> 'Multiple SSHD authentication failures.'
Mar  2 14:36:40 h sshd[3]: Failed password for root from 10.0.0.9 port 1 ssh2
Mar  2 14:36:39 h sshd[2]: Failed password for root from 10.0.0.9 port 2 ssh2`);
    expect(result.ok && result.value['previous_output']).toBe('Mar  2 14:36:39 h sshd[2]: Failed password for root from 10.0.0.9 port 2 ssh2');
  });

  it('keeps a FIM body whole, blank lines included, and reads the change', () => {
    const result = parseAlertsLogRecord(`** Alert 1.2: - ossec,syscheck,
2023 Apr 14 09:34:14 (centos9) any->syscheck
Rule: 550 (level 7) -> 'Integrity checksum changed.'
File '/etc/hosts' modified
Mode: scheduled
Changed attributes: size,md5
Size changed from '158' to '187'
Old md5sum was: '3a1c'
New md5sum is : '7f0e'

Attributes:
 - Size: 187
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.full_log).toBe(
      "File '/etc/hosts' modified\nMode: scheduled\nChanged attributes: size,md5\nSize changed from '158' to '187'\nOld md5sum was: '3a1c'\nNew md5sum is : '7f0e'\n\nAttributes:\n - Size: 187",
    );
    expect(result.value['agentip']).toBeUndefined();
    expect(result.value['syscheck']).toEqual({
      path: '/etc/hosts',
      event: 'modified',
      mode: 'scheduled',
      changed_attributes: ['size', 'md5'],
      size_before: '158',
      size_after: '187',
      md5_before: '3a1c',
      md5_after: '7f0e',
    });
  });

  it.each([
    ['', 'empty', undefined],
    ['hello', 'invalid_record', 0],
    ['** Alert 1.2: - a,\nnot a date line', 'invalid_record', 19],
    ['** Alert 1.2: - a,\n2024 Mar 02 14:36:40 h->/x\nno rule line here', 'invalid_record', 46],
  ])('reports %j as %s at %s', (text, code, position) => {
    const result = parseAlertsLogRecord(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.position).toBe(position);
    expect(result.error.message.length).toBeGreaterThan(10);
  });
});
