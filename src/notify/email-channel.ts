/**
 * @module The e-mail channel: SMTP through nodemailer, STARTTLS required (`requireTLS`: a server
 * that does not offer it is refused rather than sent the alert in clear), a plain-text and an HTML
 * part with the first matching alerts (render.ts escapes them).
 */
import { isIP } from 'node:net';
import { createTransport, type Transporter } from 'nodemailer';
import type { Detection } from '../core/detection.js';
import type { AttemptOutcome } from '../pipeline/retry.js';
import { ChannelError, type NotificationChannel } from './channel.js';
import { renderHtml, renderText, subjectLine } from './render.js';

export interface EmailChannelConfig {
  id: string;
  host: string;
  port: number;
  from: string;
  to: string[];
  username?: string;
  password?: string;
  /** PEM of the CA that signed the server's certificate (a private CA, or a self-signed one); absent: the system's. */
  ca?: string;
  baseUrl: string;
  /** Socket timeouts, ms (default 10 s). */
  timeoutMs?: number;
}

/** nodemailer's error codes that are the network or the server being busy, not a wrong setting. */
const RETRYABLE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET']);

/** A certificate the channel cannot trust is a setting to fix (ca_file), not a server that is busy. */
function isCertificateError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/.test(code)) return true;
    if (/certificate/i.test(e.message)) return true;
  }
  return false;
}

export function emailChannel(config: EmailChannelConfig): NotificationChannel {
  const timeoutMs = config.timeoutMs ?? 10_000;
  const transport: Transporter = createTransport({
    host: config.host,
    port: config.port,
    secure: false,
    requireTLS: true,
    ...(config.username !== undefined ? { auth: { user: config.username, pass: config.password ?? '' } } : {}),
    // The certificate is checked against the host (a name, or an address in its SANs); no SNI for an address.
    tls: { ...(config.ca ? { ca: config.ca } : {}), ...(isIP(config.host) === 0 ? { servername: config.host } : {}), minVersion: 'TLSv1.2', rejectUnauthorized: true },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    id: config.id,
    kind: 'email',
    async send(detection: Detection, signal: AbortSignal): Promise<AttemptOutcome> {
      if (signal.aborted) return { kind: 'retryable', error: new ChannelError('aborted', `E-mail ${config.id}: aborted.`) };
      const sending = transport.sendMail({
        from: config.from,
        to: config.to,
        subject: subjectLine(detection),
        text: renderText(detection, config.baseUrl),
        html: renderHtml(detection, config.baseUrl),
        headers: { 'X-Hidsmon-Detection-Id': detection.id },
      });
      try {
        const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason ?? new Error('aborted')), { once: true }));
        await Promise.race([sending, aborted]);
        return { kind: 'ok', value: undefined };
      } catch (e) {
        sending.catch(() => undefined);
        const error = e as Error & { code?: string; responseCode?: number };
        const wrapped = new ChannelError(error.code ?? 'smtp', `E-mail ${config.id} via ${config.host}:${config.port}: ${error.message}`, { cause: e });
        // SMTP's 4xx replies are "try again later"; 5xx and a refused login or TLS are settings to fix.
        const transient = !isCertificateError(error) && (signal.aborted || (error.code !== undefined && RETRYABLE_CODES.has(error.code)) || (error.responseCode !== undefined && error.responseCode >= 400 && error.responseCode < 500));
        return transient ? { kind: 'retryable', error: wrapped } : { kind: 'fatal', error: wrapped };
      }
    },
    async close() {
      transport.close();
    },
  };
}
