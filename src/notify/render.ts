/**
 * @module What a detection says in each channel's format: plain text, HTML, Slack mrkdwn blocks and
 * a JSON body. Pure. Every value from an alert (group values, hosts, evidence text) is
 * attacker-controlled, so HTML gets every markup character escaped and Slack gets `&`, `<`, `>`
 * escaped as Slack documents ("Escaping text"), which also defuses `<!channel>` and `<url|label>`.
 */
import type { Detection, DetectionEvidence } from '../core/detection.js';
import { detectionJson } from '../core/detection-json.js';

/** Evidence lines in a notification: the first matching alerts, as the issue asks. */
export const EVIDENCE_IN_NOTIFICATION = 5;
/** A chat line stays readable; the alert's whole text is in Discover behind the link. */
const EVIDENCE_TEXT_CHARS = 500;

/** HTML text and attribute values: the five characters that can start or end markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/**
 * Slack's control characters (https://api.slack.com/reference/surfaces/formatting#escaping):
 * `<` and `>` open links and mentions, `&` starts an entity. Emphasis characters (`*`, `_`, `~`,
 * backticks) are not escapable in mrkdwn; evidence is put in a code block, where they do nothing.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Where a reader sees the matching alerts: Discover with the detection's query and window. */
export function discoverUrl(baseUrl: string, detection: Pick<Detection, 'query' | 'window'>): string {
  const params = new URLSearchParams({ q: detection.query, from: detection.window.start, to: detection.window.end });
  return `${baseUrl.replace(/\/+$/, '')}/discover?${params.toString()}`;
}

export function groupText(detection: Detection): string {
  return detection.group.length === 0 ? '(all)' : detection.group.map((g) => `${g.field}=${g.value}`).join(', ');
}

export function subjectLine(detection: Detection): string {
  // One line: a newline in a group value must not start a header or a second Slack line.
  const oneLine = `[hidsmon ${detection.rule.severity}] ${detection.rule.name}: ${groupText(detection)} (${detection.count} on ${detection.hosts.length} host${detection.hosts.length === 1 ? '' : 's'})`;
  return oneLine.replace(/[\r\n\t]+/g, ' ').slice(0, 200);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function evidenceLine(e: DetectionEvidence): string {
  const level = e.level !== undefined ? ` level ${e.level}` : '';
  return `${e['@timestamp']} ${e['@log_stream']}${level}: ${clip(e.text, EVIDENCE_TEXT_CHARS)}`;
}

/** The plain-text body (e-mail's text part, SNS's message). */
export function renderText(detection: Detection, baseUrl: string): string {
  const lines = [
    subjectLine(detection),
    '',
    `Rule:     ${detection.rule.name} (${detection.rule.id}, ${detection.rule.kind}, ${detection.rule.severity})`,
    `Group:    ${groupText(detection)}`,
    `Count:    ${detection.count}`,
    `Hosts:    ${detection.hosts.join(', ') || '-'}`,
    `Window:   ${detection.window.start} to ${detection.window.end}`,
    `Query:    ${detection.query}`,
    `Discover: ${discoverUrl(baseUrl, detection)}`,
    '',
    `First matching alerts (${Math.min(EVIDENCE_IN_NOTIFICATION, detection.evidence.length)} of ${detection.count}):`,
    ...detection.evidence.slice(0, EVIDENCE_IN_NOTIFICATION).map((e) => `- ${evidenceLine(e)}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The HTML body (e-mail's HTML part): every value escaped, no script, no remote content. */
export function renderHtml(detection: Detection, baseUrl: string): string {
  const row = (name: string, value: string): string => `<tr><th align="left">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`;
  const evidence = detection.evidence
    .slice(0, EVIDENCE_IN_NOTIFICATION)
    .map((e) => `<tr><td>${escapeHtml(e['@timestamp'])}</td><td>${escapeHtml(e['@log_stream'])}</td><td>${e.level ?? ''}</td><td><pre style="white-space:pre-wrap;margin:0">${escapeHtml(clip(e.text, EVIDENCE_TEXT_CHARS))}</pre></td></tr>`)
    .join('');
  return (
    `<!doctype html><html><body style="font:14px sans-serif">` +
    `<h2>${escapeHtml(subjectLine(detection))}</h2>` +
    `<table>${row('Rule', `${detection.rule.name} (${detection.rule.id}, ${detection.rule.kind}, ${detection.rule.severity})`)}${row('Group', groupText(detection))}${row('Count', String(detection.count))}${row('Hosts', detection.hosts.join(', ') || '-')}${row('Window', `${detection.window.start} to ${detection.window.end}`)}${row('Query', detection.query)}</table>` +
    `<p><a href="${escapeHtml(discoverUrl(baseUrl, detection))}">Show the matching alerts in Discover</a></p>` +
    `<h3>First matching alerts</h3><table border="1" cellpadding="4" style="border-collapse:collapse"><tr><th>Time</th><th>Host</th><th>Level</th><th>Alert</th></tr>${evidence}</table>` +
    `</body></html>`
  );
}

/**
 * A Slack incoming-webhook message: `text` (the fallback for notifications) and Block Kit blocks.
 * Evidence goes in a code block, so that emphasis characters in alert text stay literal.
 */
export function renderSlack(detection: Detection, baseUrl: string): { text: string; blocks: unknown[] } {
  const summary = escapeSlack(subjectLine(detection));
  const evidence = detection.evidence
    .slice(0, EVIDENCE_IN_NOTIFICATION)
    .map((e) => escapeSlack(evidenceLine(e)).replace(/```/g, '`\u200b``'))
    .join('\n');
  const fields = [
    `*Rule:* ${escapeSlack(detection.rule.name)} (${escapeSlack(detection.rule.kind)}, ${escapeSlack(detection.rule.severity)})`,
    `*Group:* ${escapeSlack(groupText(detection))}`,
    `*Count:* ${detection.count}`,
    `*Hosts:* ${escapeSlack(detection.hosts.join(', ') || '-')}`,
  ];
  return {
    text: summary,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${summary}*` } },
      { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
      ...(evidence ? [{ type: 'section', text: { type: 'mrkdwn', text: clip(`\`\`\`${evidence}\`\`\``, 2900) } }] : []),
      // The URL is ours, but its query holds alert values: escaped, it stays one link.
      { type: 'section', text: { type: 'mrkdwn', text: `<${escapeSlack(discoverUrl(baseUrl, detection))}|Show the matching alerts in Discover>` } },
    ],
  };
}

/** The webhook's JSON body: the detection as the API shows it (snake_case), plus the Discover link. */
export function renderWebhookBody(detection: Detection, baseUrl: string): string {
  return JSON.stringify({ type: 'detection', detection: detectionJson(detection), discover_url: discoverUrl(baseUrl, detection) });
}
