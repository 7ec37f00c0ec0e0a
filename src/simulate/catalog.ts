/**
 * @module The rules the simulator fires: the blog's seven alert types and the rules of the attack
 * scenarios, with their real OSSEC 3.7.0 ids, levels, comments and groups, and Wazuh 4.x texts.
 */

export interface RuleInfo {
  sidid: number;
  level: number;
  /** OSSEC 3.7.0 `rule.comment`, exactly (5402 has no trailing period). */
  comment: string;
  /** OSSEC raw group string, as in the alerts.log header. */
  groups: string;
  /** Wazuh 4.x `rule.description`. */
  wazuhDescription: string;
  /** Wazuh compliance and MITRE fields where the ruleset defines them. */
  wazuhExtra?: Record<string, unknown>;
  /** Correlation rules: how many matching events fire it (OSSEC value). */
  frequency?: number;
}

export const RULES = {
  sudoToRoot: {
    sidid: 5402,
    level: 3,
    comment: 'Successful sudo to ROOT executed',
    groups: 'syslog,sudo',
    wazuhDescription: 'Successful sudo to ROOT executed.',
    wazuhExtra: {
      mitre: { id: ['T1548.003'], tactic: ['Privilege Escalation', 'Defense Evasion'], technique: ['Sudo and Sudo Caching'] },
      pci_dss: ['10.2.5', '10.2.2'],
      gdpr: ['IV_32.2'],
    },
  },
  web400: {
    sidid: 31101,
    level: 5,
    comment: 'Web server 400 error code.',
    groups: 'web,accesslog,',
    wazuhDescription: 'Web server 400 error code.',
    wazuhExtra: { pci_dss: ['6.5', '11.4'], gdpr: ['IV_35.7.d'] },
  },
  sshScan: {
    sidid: 5706,
    level: 6,
    comment: 'SSH insecure connection attempt (scan).',
    groups: 'syslog,sshd,recon,',
    wazuhDescription: 'sshd: insecure connection attempt (scan).',
    wazuhExtra: { mitre: { id: ['T1021.004'], tactic: ['Lateral Movement'], technique: ['SSH'] }, pci_dss: ['11.4'], gdpr: ['IV_35.7.d'] },
  },
  sessionOpened: {
    sidid: 5501,
    level: 3,
    comment: 'Login session opened.',
    groups: 'pam,syslog,authentication_success,',
    wazuhDescription: 'PAM: Login session opened.',
    wazuhExtra: {
      mitre: { id: ['T1078'], tactic: ['Defense Evasion', 'Persistence', 'Privilege Escalation', 'Initial Access'], technique: ['Valid Accounts'] },
      pci_dss: ['10.2.5'],
      gdpr: ['IV_32.2'],
    },
  },
  sessionClosed: {
    sidid: 5502,
    level: 3,
    comment: 'Login session closed.',
    groups: 'pam,syslog,',
    wazuhDescription: 'PAM: Login session closed.',
    wazuhExtra: { pci_dss: ['10.2.5'], gdpr: ['IV_32.2'] },
  },
  yumInstalled: {
    sidid: 2932,
    level: 7,
    comment: 'New Yum package installed.',
    groups: 'syslog,yum,config_changed,',
    wazuhDescription: 'New Yum package installed.',
    wazuhExtra: { pci_dss: ['10.6.1'], gdpr: ['IV_35.7.d'] },
  },
  yumDeleted: {
    sidid: 2934,
    level: 7,
    comment: 'Yum package deleted.',
    groups: 'syslog,yum,config_changed,',
    wazuhDescription: 'Yum package deleted.',
    wazuhExtra: { pci_dss: ['10.6.1'], gdpr: ['IV_35.7.d'] },
  },
  // Attack scenarios.
  invalidUser: {
    sidid: 5710,
    level: 5,
    comment: 'Attempt to login using a non-existent user',
    groups: 'syslog,sshd,invalid_login,authentication_failed,',
    wazuhDescription: 'sshd: Attempt to login using a non-existent user',
    wazuhExtra: { mitre: { id: ['T1110.001'], tactic: ['Credential Access'], technique: ['Password Guessing'] }, pci_dss: ['10.2.4', '10.2.5', '10.6.1'] },
  },
  sshdAuthFailed: {
    sidid: 5716,
    level: 5,
    comment: 'SSHD authentication failed.',
    groups: 'syslog,sshd,authentication_failed,',
    wazuhDescription: 'sshd: authentication failed.',
    wazuhExtra: { mitre: { id: ['T1110.001'], tactic: ['Credential Access'], technique: ['Password Guessing'] }, pci_dss: ['10.2.4', '10.2.5'] },
  },
  sshBruteForce: {
    sidid: 5712,
    level: 10,
    comment: 'SSHD brute force trying to get access to the system.',
    groups: 'syslog,sshd,authentication_failures,',
    wazuhDescription: 'sshd: brute force trying to get access to the system. Non existent user.',
    wazuhExtra: { mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] }, pci_dss: ['11.4', '10.2.4', '10.2.5'] },
    frequency: 6,
  },
  multipleWeb400: {
    sidid: 31151,
    level: 10,
    comment: 'Multiple web server 400 error codes from same source ip.',
    groups: 'web,accesslog,web_scan,recon,',
    wazuhDescription: 'Multiple web server 400 error codes from same source ip.',
    wazuhExtra: { mitre: { id: ['T1595.002'], tactic: ['Reconnaissance'], technique: ['Vulnerability Scanning'] }, pci_dss: ['6.5', '11.4'] },
    frequency: 12,
  },
} as const satisfies Record<string, RuleInfo>;

export type RuleKey = keyof typeof RULES;

/** The blog's seven alert types, in the order the blog lists them. */
export const BLOG_ALERT_TYPES: readonly RuleKey[] = ['sudoToRoot', 'web400', 'sshScan', 'sessionOpened', 'sessionClosed', 'yumInstalled', 'yumDeleted'];

/** How often each background type fires, relative to the others (sessions come with every sudo and login). */
export const BACKGROUND_WEIGHTS: Readonly<Record<string, number>> = {
  sudoToRoot: 18,
  web400: 16,
  sshScan: 10,
  sessionOpened: 20,
  sessionClosed: 20,
  yumInstalled: 8,
  yumDeleted: 8,
};

export const ADMIN_USERS = ['ec2-user', 'ssm-user', 'deploy', 'jenkins', 'alice', 'bob'] as const;
export const SESSION_TARGETS = ['root', 'apache', 'ec2-user', 'nginx'] as const;
export const SUDO_COMMANDS = [
  '/bin/yum install -y htop',
  '/bin/su -c whoami apache',
  '/bin/systemctl restart httpd',
  '/bin/cat /var/log/secure',
  '/usr/bin/tail -n 50 /var/ossec/logs/alerts/alerts.json',
  '/bin/yum update -y',
  '/usr/bin/docker ps',
] as const;
export const PACKAGES = [
  'htop-2.2.0-3.amzn2.0.2.x86_64',
  'tmux-1.8-4.amzn2.0.1.x86_64',
  'jq-1.5-1.amzn2.0.2.x86_64',
  'telnet-0.17-65.amzn2.x86_64',
  'tcpdump-4.9.2-4.amzn2.1.x86_64',
  'nmap-ncat-6.40-13.amzn2.x86_64',
  'strace-4.24-6.amzn2.x86_64',
  'git-2.40.1-1.amzn2.0.1.x86_64',
] as const;
export const PROBE_PATHS = ['/readme.txt?', '/~', '/admin', '/.env', '/wp-login.php', '/phpmyadmin/', '/cgi-bin/test.cgi', '/.git/config', '/server-status', '/api/v1/../../etc/passwd'] as const;
export const HTTP_METHODS = ['GET', 'GET', 'GET', 'POST', 'HEAD'] as const;
export const HTTP_CLIENT_ERRORS = [400, 403, 404, 404, 404, 405] as const;
export const USER_AGENTS = [
  'curl/7.88.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0',
  'python-requests/2.31.0',
  'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)',
  'masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
  'Go-http-client/1.1',
] as const;
/** User names that brute-force tools try. */
export const GUESSED_USERS = ['admin', 'test', 'oracle', 'ubuntu', 'postgres', 'user', 'guest', 'ftpuser', 'pi', 'git', 'support', 'hadoop'] as const;
