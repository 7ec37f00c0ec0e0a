/**
 * @module The test hosts' boot script (EC2 user data): OSSEC from its signed release, an agent that
 * follows alerts.json into the stack's log group, and the alert generator on a systemd timer. Pure:
 * returns the text that the stack wraps in Fn::Sub and Fn::Base64.
 */

/** OSSEC's release, fetched from its project's release page; the tarball must carry a good signature by OSSEC_SIGNING_KEY. */
export const OSSEC_VERSION = '3.7.0';
/**
 * The full fingerprint of OSSEC's archive signing key (key id 2D8387B7, in use since December
 * 2016, as OSSEC's documentation states it). The blog matched the short id against the key file it
 * had just downloaded and went on when the check failed; here the signature must be valid AND made
 * by this exact key, or the host stops and signals failure. Written in groups as gpg prints it (one
 * 40-character run would look like an AWS secret key to secret scanners); the script drops the spaces.
 */
export const OSSEC_SIGNING_KEY = 'B50F B194 7A0A E311 45D0  5FAD EE1B 0E6B 2D83 87B7';

/** The Fn::Sub variables the script uses; nothing else in it may look like `${...}`. */
export const USER_DATA_VARIABLES = ['AWS::Region', 'AWS::StackName', 'LogGroupName', 'AgentKind', 'AgentBundleUrl', 'HostResource'] as const;

export interface UserDataInputs {
  /** The systemd unit of the hidsmon agent (packaging/hidsmon-agent.service), installed as is. */
  agentUnit: string;
}

/**
 * The script, for Fn::Sub with USER_DATA_VARIABLES. Bash's own variables are written `$NAME`
 * (never `${NAME}`), so that CloudFormation substitutes only the names above.
 */
export function hostUserData(inputs: UserDataInputs): string {
  if (inputs.agentUnit.includes('${') || inputs.agentUnit.includes("'HIDSMON_UNIT'")) throw new Error('the agent unit may not contain ${ or the heredoc marker');
  return `#!/bin/bash
# hidsmon test host (Amazon Linux 2023). Log: /var/log/hidsmon-setup.log. Signals the stack when done.
set -Eeuo pipefail
exec >>/var/log/hidsmon-setup.log 2>&1
REGION='\${AWS::Region}'
STACK='\${AWS::StackName}'
RESOURCE='\${HostResource}'
LOG_GROUP='\${LogGroupName}'
AGENT_KIND='\${AgentKind}'
AGENT_BUNDLE='\${AgentBundleUrl}'
OSSEC_VERSION='${OSSEC_VERSION}'
OSSEC_SIGNING_KEY=$(echo '${OSSEC_SIGNING_KEY}' | tr -d ' ')

dnf install -y aws-cfn-bootstrap
# Any failing step tells CloudFormation at once, instead of the stack waiting for its timeout.
trap 'rc=$?; /opt/aws/bin/cfn-signal -e "$rc" --stack "$STACK" --resource "$RESOURCE" --region "$REGION" || true; exit "$rc"' ERR

# rsyslog: Amazon Linux 2023 logs to the journal only, and OSSEC reads /var/log/secure and messages.
dnf install -y gcc make tar pcre2-devel zlib-devel openssl-devel libevent-devel systemd-devel httpd rsyslog
systemctl enable --now rsyslog httpd

# OSSEC from its signed release: the signature must be good and made by OSSEC's key, else stop.
WORK=$(mktemp -d)
cd "$WORK"
fetch() { curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --retry 5 --output "$1" "$2"; }
# BEGIN verify_release
# verify_release FILE SIGNATURE KEYFILE FINGERPRINT: succeeds only when SIGNATURE is a good signature
# of FILE made by the key FINGERPRINT, with KEYFILE imported into a keyring of its own.
verify_release() {
  local home status
  home=$(mktemp -d)
  status="$home/verify.status"
  gpg --homedir "$home" --batch --quiet --import "$3"
  if gpg --homedir "$home" --batch --status-fd 3 --verify "$2" "$1" 3>"$status" 2>/dev/null \\
    && grep -Eq "^\\[GNUPG:\\] VALIDSIG .*\\b$4\\b" "$status"; then
    rm -rf "$home"
    return 0
  fi
  echo "verify_release: $1 has no good signature by $4" >&2
  cat "$status" >&2
  rm -rf "$home"
  return 1
}
# END verify_release
fetch ossec.tar.gz "https://github.com/ossec/ossec-hids/archive/$OSSEC_VERSION.tar.gz"
fetch ossec.tar.gz.asc "https://github.com/ossec/ossec-hids/releases/download/$OSSEC_VERSION/ossec-hids-$OSSEC_VERSION.tar.gz.asc"
fetch ossec-key.asc https://ossec.github.io/files/OSSEC-ARCHIVE-KEY.asc
verify_release ossec.tar.gz ossec.tar.gz.asc ossec-key.asc "$OSSEC_SIGNING_KEY"
tar xzf ossec.tar.gz
cat > "ossec-hids-$OSSEC_VERSION/etc/preloaded-vars.conf" <<'PRELOADED'
USER_LANGUAGE="en"
USER_NO_STOP="y"
USER_INSTALL_TYPE="local"
USER_DIR="/var/ossec"
USER_ENABLE_SYSCHECK="y"
USER_ENABLE_ROOTCHECK="y"
USER_UPDATE_RULES="y"
USER_ENABLE_EMAIL="n"
USER_ENABLE_FIREWALL_RESPONSE="n"
USER_ENABLE_ACTIVE_RESPONSE="n"
PRELOADED
(cd "ossec-hids-$OSSEC_VERSION" && PCRE2_SYSTEM=yes ./install.sh)
# alerts.json (what the agents follow) and the web server's log (what the generator provokes).
sed -i '0,/<global>/s//<global>\\n    <jsonout_output>yes<\\/jsonout_output>/' /var/ossec/etc/ossec.conf
sed -i '0,/<\\/ossec_config>/s//  <localfile>\\n    <log_format>apache<\\/log_format>\\n    <location>\\/var\\/log\\/httpd\\/access_log<\\/location>\\n  <\\/localfile>\\n<\\/ossec_config>/' /var/ossec/etc/ossec.conf
cat > /etc/systemd/system/ossec-hids.service <<'UNIT'
[Unit]
Description=OSSEC HIDS (local install)
After=network-online.target rsyslog.service
[Service]
Type=forking
ExecStart=/var/ossec/bin/ossec-control start
ExecStop=/var/ossec/bin/ossec-control stop
RemainAfterExit=yes
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now ossec-hids

# The agent that ships alerts.json to the log group, one stream per instance id.
case "$AGENT_KIND" in
  hidsmon)
    dnf install -y nodejs22
    NODE=$(command -v node-22 || command -v node)
    install -d -m 0755 /opt/hidsmon /etc/hidsmon
    aws s3 cp --region "$REGION" "$AGENT_BUNDLE" /opt/hidsmon/hidsmon-agent.mjs
    chmod 0755 /opt/hidsmon/hidsmon-agent.mjs
    id hidsmon-agent >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin hidsmon-agent
    cat > /etc/hidsmon/agent.yaml <<AGENTCONF
inputs:
  - /var/ossec/logs/alerts/alerts.json
log_group: $LOG_GROUP
log_stream: "{instance_id}"
endpoint: $REGION
state_dir: /var/lib/hidsmon-agent
AGENTCONF
    chgrp hidsmon-agent /etc/hidsmon/agent.yaml
    chmod 0640 /etc/hidsmon/agent.yaml
    cat > /etc/systemd/system/hidsmon-agent.service <<'HIDSMON_UNIT'
${inputs.agentUnit.trimEnd()}
HIDSMON_UNIT
    # The unit names /usr/bin/node; Amazon Linux's nodejs22 may install it as node-22.
    install -d /etc/systemd/system/hidsmon-agent.service.d
    printf '[Service]\\nExecStart=\\nExecStart=%s /opt/hidsmon/hidsmon-agent.mjs --config /etc/hidsmon/agent.yaml\\n' "$NODE" > /etc/systemd/system/hidsmon-agent.service.d/node.conf
    systemctl daemon-reload
    systemctl enable --now hidsmon-agent
    ;;
  cloudwatch-agent)
    dnf install -y amazon-cloudwatch-agent
    cat > /opt/aws/amazon-cloudwatch-agent/etc/hidsmon.json <<CWCONF
{"agent": {"run_as_user": "root"},
 "logs": {"logs_collected": {"files": {"collect_list": [
   {"file_path": "/var/ossec/logs/alerts/alerts.json", "log_group_name": "$LOG_GROUP", "log_stream_name": "{instance_id}"}]}}}}
CWCONF
    /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/hidsmon.json
    ;;
  *)
    echo "AgentKind $AGENT_KIND: not hidsmon or cloudwatch-agent" >&2
    false
    ;;
esac

# The alert generator: every 7 minutes (give or take one), a few things OSSEC's rules notice.
cat > /usr/local/libexec/hidsmon-genalerts.sh <<'GENALERTS'
#!/bin/bash
# Provokes OSSEC alerts on this host: web 404s and an injection attempt (httpd rules), a failed and
# an invalid ssh login (sshd rules), sudo by a user without rights, a package install and removal.
pause() { sleep $((RANDOM % $1 + 1)); }
pause 20; curl -s -o /dev/null "http://localhost/missing-$RANDOM.php" || true
pause 10; curl -s -o /dev/null "http://localhost/index.php?id=1%27%20OR%20%271%27=%271" || true
pause 30; ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o ConnectTimeout=5 "nosuchuser$RANDOM@localhost" true || true
pause 20; runuser -u nobody -- sudo -n true || true
pause 20; sudo -u ec2-user true || true
pause 40; dnf install -y -q tree >/dev/null 2>&1 && dnf remove -y -q tree >/dev/null 2>&1 || true
GENALERTS
chmod 0755 /usr/local/libexec/hidsmon-genalerts.sh
cat > /etc/systemd/system/hidsmon-genalerts.service <<'UNIT'
[Unit]
Description=hidsmon test host: provoke a few OSSEC alerts
[Service]
Type=oneshot
ExecStart=/usr/local/libexec/hidsmon-genalerts.sh
TimeoutStartSec=10min
UNIT
cat > /etc/systemd/system/hidsmon-genalerts.timer <<'UNIT'
[Unit]
Description=hidsmon test host: the alert generator, every 7 minutes
[Timer]
OnBootSec=2min
OnUnitActiveSec=7min
RandomizedDelaySec=60
[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable --now hidsmon-genalerts.timer

cd /
rm -rf "$WORK"
/opt/aws/bin/cfn-signal -e 0 --stack "$STACK" --resource "$RESOURCE" --region "$REGION"
`;
}
