/**
 * @module `notifications:` in hidsmon.yaml: channels with ids (webhook, slack, email, sns), routes
 * (which rules and severities go to which channels) and the throttle, validated with messages that
 * name the setting. Secrets come from the file or, better, from the environment (`secret_env:
 * NAME`), and are never echoed in a message. Pure: the environment is passed in.
 */
import type { DetectionSeverity } from '../core/detection.js';
import { isPlainObject } from '../core/paths.js';
import type { NotificationRoute } from './dispatcher.js';

export type ChannelSettings =
  | { id: string; type: 'webhook'; url: string; secret: string }
  | { id: string; type: 'slack'; webhookUrl: string }
  | { id: string; type: 'email'; host: string; port: number; from: string; to: string[]; username?: string; password?: string; caFile?: string }
  | { id: string; type: 'sns'; topicArn: string; region?: string; endpoint?: string };

export interface NotificationSettings {
  /** The server's address as readers reach it, for the Discover links (default: the server's own). */
  baseUrl?: string;
  throttleMinutes: number;
  channels: ChannelSettings[];
  routes: NotificationRoute[];
}

const SEVERITIES: readonly DetectionSeverity[] = ['low', 'medium', 'high', 'critical'];
const CHANNEL_KEYS: Record<ChannelSettings['type'], readonly string[]> = {
  webhook: ['url', 'secret', 'secret_env'],
  slack: ['webhook_url', 'webhook_url_env'],
  email: ['host', 'port', 'from', 'to', 'username', 'password', 'password_env', 'ca_file'],
  sns: ['topic_arn', 'region', 'endpoint'],
};

function isHttpUrl(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Reads `notifications:`; undefined when absent. Problems are appended to `problems`. */
export function loadNotificationSettings(value: unknown, env: Record<string, string | undefined>, where: string, problems: string[]): NotificationSettings | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    problems.push(`${where}: a mapping with channels (a list of {id, type: webhook|slack|email|sns, ...}), optional routes and throttle_minutes.`);
    return undefined;
  }
  for (const key of Object.keys(value)) if (!['base_url', 'throttle_minutes', 'channels', 'routes'].includes(key)) problems.push(`${where}: unknown key "${key}"; notifications take base_url, throttle_minutes, channels and routes.`);
  const baseUrl = value['base_url'];
  if (baseUrl !== undefined && !isHttpUrl(baseUrl)) problems.push(`${where}.base_url: the server's URL as readers open it (https://hidsmon.example.com), for the links to Discover.`);
  const throttle = value['throttle_minutes'] ?? 10;
  if (typeof throttle !== 'number' || !Number.isFinite(throttle) || throttle < 0) problems.push(`${where}.throttle_minutes: minutes between two notifications for the same rule and group (0: no throttle).`);

  const secret = (item: Record<string, unknown>, at: string, key: string, required: boolean): string | undefined => {
    const inline = item[key];
    const envName = item[`${key}_env`];
    if (inline !== undefined && envName !== undefined) problems.push(`${at}: ${key} or ${key}_env, not both.`);
    if (envName !== undefined) {
      if (typeof envName !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) problems.push(`${at}.${key}_env: the name of an environment variable.`);
      else if (!env[envName]) problems.push(`${at}.${key}_env: $${envName} is not set (or empty).`);
      else return env[envName];
      return undefined;
    }
    if (typeof inline === 'string' && inline !== '') return inline;
    if (inline !== undefined || required) problems.push(`${at}.${key}: required; put it in the environment and write ${key}_env: NAME.`);
    return undefined;
  };

  const channels: ChannelSettings[] = [];
  const seenIds = new Set<string>();
  const list = value['channels'] ?? [];
  if (!Array.isArray(list)) problems.push(`${where}.channels: a list of channels.`);
  else
    list.forEach((item: unknown, i) => {
      const at = `${where}.channels[${i}]`;
      if (!isPlainObject(item)) return void problems.push(`${at}: a mapping {id, type, ...}.`);
      const id = item['id'];
      const type = item['type'];
      if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) problems.push(`${at}.id: a name of letters, digits, ".", "_" and "-" (at most 64).`);
      else if (seenIds.has(id)) problems.push(`${at}.id: "${id}" is used by another channel.`);
      if (typeof id === 'string') seenIds.add(id);
      if (type !== 'webhook' && type !== 'slack' && type !== 'email' && type !== 'sns') return void problems.push(`${at}.type: webhook, slack, email or sns.`);
      for (const key of Object.keys(item)) if (key !== 'id' && key !== 'type' && !CHANNEL_KEYS[type].includes(key)) problems.push(`${at}: unknown key "${key}" for a ${type} channel; it takes ${CHANNEL_KEYS[type].join(', ')}.`);
      const name = typeof id === 'string' ? id : '';
      if (type === 'webhook') {
        if (!isHttpUrl(item['url'])) problems.push(`${at}.url: the receiver's http(s) URL.`);
        const s = secret(item, at, 'secret', true);
        if (s !== undefined && s.length < 16) problems.push(`${at}.secret: at least 16 characters (the HMAC key the receiver checks the signature with).`);
        if (isHttpUrl(item['url']) && s !== undefined) channels.push({ id: name, type, url: item['url'], secret: s });
      } else if (type === 'slack') {
        const url = secret(item, at, 'webhook_url', true);
        if (url !== undefined && !isHttpUrl(url)) problems.push(`${at}.webhook_url: Slack's incoming-webhook URL (https://hooks.slack.com/services/...).`);
        else if (url !== undefined) channels.push({ id: name, type, webhookUrl: url });
      } else if (type === 'email') {
        const host = item['host'];
        const port = item['port'] ?? 587;
        const from = item['from'];
        const to = typeof item['to'] === 'string' ? [item['to']] : item['to'];
        const ok = [
          typeof host === 'string' && host !== '' ? true : (problems.push(`${at}.host: the SMTP server's name.`), false),
          typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? true : (problems.push(`${at}.port: a TCP port (587 for submission with STARTTLS).`), false),
          typeof from === 'string' && from.includes('@') ? true : (problems.push(`${at}.from: the sender's address.`), false),
          Array.isArray(to) && to.length > 0 && to.every((t) => typeof t === 'string' && t.includes('@')) ? true : (problems.push(`${at}.to: one address or a list of them.`), false),
        ].every(Boolean);
        const username = item['username'];
        if (username !== undefined && typeof username !== 'string') problems.push(`${at}.username: text.`);
        const password = secret(item, at, 'password', false);
        const ca = item['ca_file'];
        if (ca !== undefined && (typeof ca !== 'string' || ca === '')) problems.push(`${at}.ca_file: the path of a PEM file with the CA that signed the SMTP server's certificate.`);
        if (ok)
          channels.push({ id: name, type, host: host as string, port: port as number, from: from as string, to: to as string[], ...(typeof username === 'string' ? { username } : {}), ...(password !== undefined ? { password } : {}), ...(typeof ca === 'string' && ca !== '' ? { caFile: ca } : {}) });
      } else {
        const arn = item['topic_arn'];
        const region = item['region'];
        const endpoint = item['endpoint'];
        if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(arn)) problems.push(`${at}.topic_arn: an SNS topic ARN (arn:aws:sns:us-east-1:123456789012:hids-alerts).`);
        if (region !== undefined && (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))) problems.push(`${at}.region: a region such as us-east-1 (default: the topic's).`);
        if (endpoint !== undefined && !isHttpUrl(endpoint)) problems.push(`${at}.endpoint: an http(s) URL (a VPC endpoint), or leave it out.`);
        if (typeof arn === 'string' && /^arn:aws[a-z-]*:sns:/.test(arn)) channels.push({ id: name, type, topicArn: arn, ...(typeof region === 'string' ? { region } : {}), ...(typeof endpoint === 'string' ? { endpoint } : {}) });
      }
    });

  let routes: NotificationRoute[] = [{ channels: channels.map((c) => c.id) }];
  const routeList = value['routes'];
  if (routeList !== undefined) {
    routes = [];
    if (!Array.isArray(routeList)) problems.push(`${where}.routes: a list of {channels: [...], rules: [...], severities: [...]}.`);
    else
      routeList.forEach((item: unknown, i) => {
        const at = `${where}.routes[${i}]`;
        if (!isPlainObject(item)) return void problems.push(`${at}: a mapping {channels, rules, severities}.`);
        for (const key of Object.keys(item)) if (!['channels', 'rules', 'severities'].includes(key)) problems.push(`${at}: unknown key "${key}"; a route takes channels, rules and severities.`);
        const ids = item['channels'];
        const rules = item['rules'];
        const severities = item['severities'];
        if (!Array.isArray(ids) || ids.length === 0 || !ids.every((c) => typeof c === 'string')) return void problems.push(`${at}.channels: a list of channel ids.`);
        for (const c of ids as string[]) if (!channels.some((ch) => ch.id === c) && !problems.some((p) => p.startsWith(`${where}.channels`))) problems.push(`${at}.channels: "${c}" is not a channel id (${channels.map((ch) => ch.id).join(', ') || 'none configured'}).`);
        if (rules !== undefined && (!Array.isArray(rules) || !rules.every((r) => typeof r === 'string' && r !== ''))) problems.push(`${at}.rules: a list of rule ids (a trailing * matches a prefix).`);
        if (severities !== undefined && (!Array.isArray(severities) || !severities.every((s) => SEVERITIES.includes(s as DetectionSeverity)))) problems.push(`${at}.severities: a list of ${SEVERITIES.join(', ')}.`);
        routes.push({ channels: ids as string[], ...(Array.isArray(rules) ? { rules: rules as string[] } : {}), ...(Array.isArray(severities) ? { severities: severities as DetectionSeverity[] } : {}) });
      });
  }
  // The SNS region defaults to the topic's own.
  for (const c of channels) if (c.type === 'sns' && c.region === undefined) c.region = c.topicArn.split(':')[3];
  return { ...(typeof baseUrl === 'string' ? { baseUrl } : {}), throttleMinutes: typeof throttle === 'number' ? throttle : 10, channels, routes };
}
