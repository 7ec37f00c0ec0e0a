/**
 * @module The server's certificate: PEM files named by `tls: {cert, key}`, checked before the
 * server listens, or (`tls: auto`) a self-signed one kept in the data directory, reused while it
 * names this server and has 30 days or more to run, renewed otherwise.
 */
import { createHash, createPrivateKey, createPublicKey, KeyObject, randomBytes, webcrypto, X509Certificate, type KeyObject as Key } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { isIp } from '../../core/ip.js';
import { err, ok, type Result } from '../../core/result.js';
import type { TlsSetting } from '../../config/server-config.js';

/** What the server needs to listen with TLS, and what it prints about it. */
export interface TlsMaterial {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** SHA-256 of the certificate, colon-separated hex (as `openssl x509 -fingerprint -sha256` prints it). */
  fingerprint256: string;
  /** Base64 SHA-256 of the public key (SPKI): Chromium's `--ignore-certificate-errors-spki-list`, HPKP-style pins. */
  spkiSha256: string;
  notAfter: Date;
  /** `tls: auto` only: whether this start made the certificate, and why. */
  generated?: { reason: string };
  /** Things an operator should hear about that do not stop the server (expiry soon, a readable key). */
  warnings: string[];
}

/** The self-signed certificate is renewed when it has less than this left. */
export const RENEW_BEFORE_MS = 30 * 86_400_000;
const VALIDITY_MS = 365 * 86_400_000;
export const AUTO_CERT_FILE = 'tls-cert.pem';
export const AUTO_KEY_FILE = 'tls-key.pem';

function readPem(label: string, file: string, problems: string[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') problems.push(`${label}: ${file} does not exist.`);
    else if (code === 'EACCES') problems.push(`${label}: ${file} cannot be read by this user (permission denied); run hidsmon as the file's owner, or give it read access.`);
    else if (code === 'EISDIR') problems.push(`${label}: ${file} is a directory; name the PEM file.`);
    else problems.push(`${label}: ${file} cannot be read (${code ?? (e as Error).message}).`);
    return undefined;
  }
}

/** Reads and checks a certificate and its key: both PEM, the key unencrypted and the certificate's own. Every problem is listed. */
export function loadTlsFiles(certFile: string, keyFile: string, nowMs: number = Date.now()): Result<TlsMaterial, string[]> {
  const problems: string[] = [];
  const certText = readPem('tls.cert', certFile, problems);
  const keyText = readPem('tls.key', keyFile, problems);
  let cert: X509Certificate | undefined;
  let key: Key | undefined;
  if (certText !== undefined) {
    try {
      cert = new X509Certificate(certText);
    } catch {
      problems.push(`tls.cert: ${certFile} is not a PEM certificate (a file that starts with -----BEGIN CERTIFICATE-----).`);
    }
  }
  if (keyText !== undefined) {
    try {
      key = createPrivateKey(keyText);
    } catch (e) {
      const message = (e as Error).message;
      problems.push(
        /passphrase|encrypted/i.test(message) || /ENCRYPTED/.test(keyText)
          ? `tls.key: ${keyFile} is encrypted; hidsmon takes an unencrypted key (keep it mode 600): openssl pkey -in ${keyFile} -out key.pem`
          : `tls.key: ${keyFile} is not a PEM private key (a file that starts with -----BEGIN PRIVATE KEY-----).`,
      );
    }
  }
  if (cert && key && !cert.checkPrivateKey(key)) problems.push(`tls.key: ${keyFile} is not the key of the certificate ${certFile} (their public keys differ); name the key the certificate was issued for.`);
  if (problems.length > 0 || !cert || !key || certText === undefined || keyText === undefined) return err(problems);

  const warnings: string[] = [];
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= nowMs) warnings.push(`The certificate ${certFile} expired on ${notAfter.toISOString()}; clients will refuse it. Renew it and restart.`);
  else if (notAfter.getTime() - nowMs < 14 * 86_400_000) warnings.push(`The certificate ${certFile} expires on ${notAfter.toISOString()}; renew it soon.`);
  try {
    if ((statSync(keyFile).mode & 0o004) !== 0) warnings.push(`The key ${keyFile} is readable by every user; chmod 600 ${keyFile}.`);
  } catch {
    // Read a moment ago; a stat that fails now changes nothing about what was read.
  }
  return ok({ cert: certText, key: keyText, certFile, keyFile, fingerprint256: cert.fingerprint256, spkiSha256: spkiSha256(cert), notAfter, warnings });
}

function spkiSha256(cert: X509Certificate): string {
  return createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

/** The names a self-signed certificate must carry: loopback, the listening address, this machine's host name. */
export function requiredNames(host: string, hostName: string = osHostname()): { dns: string[]; ips: string[] } {
  const dns = new Set(['localhost']);
  const ips = new Set(['127.0.0.1', '::1']);
  // Only a name a DNS SAN can hold (an underscore or a space would make the certificate invalid).
  if (/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(hostName)) dns.add(hostName.toLowerCase());
  if (isIp(host) && host !== '0.0.0.0' && host !== '::') ips.add(host);
  else if (!isIp(host) && host !== '') dns.add(host.toLowerCase());
  return { dns: [...dns], ips: [...ips] };
}

/** What an existing certificate lacks to be reused, or undefined when it will do. */
function reasonToRenew(material: TlsMaterial, names: { dns: string[]; ips: string[] }, nowMs: number): string | undefined {
  const cert = new X509Certificate(material.cert);
  const left = material.notAfter.getTime() - nowMs;
  if (left < RENEW_BEFORE_MS) return left <= 0 ? 'the previous one expired' : `the previous one expired within ${Math.ceil(left / 86_400_000)} days`;
  const missing = [...names.dns.filter((n) => cert.checkHost(n, { wildcards: false }) === undefined), ...names.ips.filter((ip) => cert.checkIP(ip) === undefined)];
  if (missing.length > 0) return `the previous one does not name ${missing.join(', ')}`;
  return undefined;
}

/**
 * `tls: auto`: the certificate in the data directory when it still does, else a new one (ECDSA
 * P-256, a year, SANs: loopback, the listening address, the host name and, when listening on every
 * address, this machine's addresses). Files are written 0600 through a rename, so a crash leaves the old pair.
 */
export async function ensureSelfSigned(dataDir: string, host: string, nowMs: number = Date.now()): Promise<Result<TlsMaterial, string[]>> {
  const certFile = join(dataDir, AUTO_CERT_FILE);
  const keyFile = join(dataDir, AUTO_KEY_FILE);
  const names = requiredNames(host);
  let reason = 'none existed';
  // A renewal keeps the key: a pin on it (Chromium's SPKI list, a host's pinned key) keeps working.
  let keptKey: Key | undefined;
  if (existsSync(certFile) || existsSync(keyFile)) {
    const existing = loadTlsFiles(certFile, keyFile, nowMs);
    if (existing.ok) {
      const renew = reasonToRenew(existing.value, names, nowMs);
      if (renew === undefined) return ok({ ...existing.value, warnings: [] });
      reason = renew;
      const key = createPrivateKey(existing.value.key);
      if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') keptKey = key;
    } else reason = `the previous one could not be used (${existing.error.join(' ')})`;
  }
  const ips = new Set(names.ips);
  if (host === '0.0.0.0' || host === '::') {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal && !a.address.startsWith('fe80')) ips.add(a.address);
  }
  const { cert, key } = await generateSelfSigned(names.dns, [...ips], nowMs, keptKey);
  for (const [file, text] of [[keyFile, key], [certFile, cert]] as const) {
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, text, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  }
  const loaded = loadTlsFiles(certFile, keyFile, nowMs);
  return loaded.ok ? ok({ ...loaded.value, generated: { reason } }) : loaded;
}

async function generateSelfSigned(dns: string[], ips: string[], nowMs: number, keep?: Key): Promise<{ cert: string; key: string }> {
  // @peculiar/x509 needs a Reflect polyfill loaded before it; loaded here only, when a certificate is made.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys: webcrypto.CryptoKeyPair = keep
    ? {
        privateKey: await webcrypto.subtle.importKey('pkcs8', keep.export({ type: 'pkcs8', format: 'der' }), algorithm, true, ['sign']),
        publicKey: await webcrypto.subtle.importKey('spki', createPublicKey(keep).export({ type: 'spki', format: 'der' }), algorithm, true, ['verify']),
      }
    : ((await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair);
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f; // a positive serial number, as RFC 5280 asks
  const commonName = dns.find((n) => n !== 'localhost') ?? 'localhost';
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: [{ CN: [commonName] }, { O: ['hidsmon (self-signed)'] }],
    // An hour back, so that an agent whose clock is a little behind accepts it at once.
    notBefore: new Date(nowMs - 3_600_000),
    notAfter: new Date(nowMs + VALIDITY_MS),
    keys: keys as never,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { cert: cert.toString('pem'), key };
}

/** The server's TLS material for its setting, or every problem with it. */
export async function resolveTls(setting: TlsSetting, dataDir: string, host: string, nowMs: number = Date.now()): Promise<Result<TlsMaterial, string[]>> {
  return setting.mode === 'auto' ? ensureSelfSigned(dataDir, host, nowMs) : loadTlsFiles(setting.certFile, setting.keyFile, nowMs);
}
