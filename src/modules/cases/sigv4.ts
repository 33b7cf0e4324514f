/**
 * AWS Signature Version 4 for S3 requests, with node:crypto only (the documented algorithm:
 * canonical request → string to sign → HMAC chain). Small on purpose: the file store needs PUT,
 * GET and HEAD of single objects with signed payload hashes, nothing else. Tested against the
 * examples published in the AWS S3 documentation (sigv4.test.ts).
 */
import crypto from 'node:crypto';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service?: string;
}

export interface SigV4Request {
  method: string;
  /** Absolute URL; its path is used as given (already percent-encoded, as S3 expects it). */
  url: string;
  /** Header names in any case; `host` is taken from the URL when absent. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body (`x-amz-content-sha256`), or UNSIGNED-PAYLOAD. */
  payloadHash: string;
}

export const EMPTY_SHA256 = crypto.createHash('sha256').update('').digest('hex');

const hmac = (key: crypto.BinaryLike, data: string): Buffer => crypto.createHmac('sha256', key).update(data, 'utf8').digest();
const hex = (data: string): string => crypto.createHash('sha256').update(data, 'utf8').digest('hex');

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and / in paths). */
export function uriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** An object key as a URL path: each segment encoded, slashes kept. */
export const encodeKey = (key: string): string => uriEncode(key, true);

export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function canonicalQuery(u: URL): string {
  const pairs: [string, string][] = [];
  // URLSearchParams decodes; SigV4 wants each name and value encoded once, sorted by name.
  for (const [k, v] of u.searchParams) pairs.push([uriEncode(k, false), uriEncode(v, false)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export interface SigV4Parts {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string;
  scope: string;
  authorization: string;
}

/**
 * Signs a request. The headers must already hold `x-amz-date` (YYYYMMDDTHHMMSSZ); every header
 * given is signed. Returns the pieces (the fake S3 server of the tests recomputes them).
 */
export function signV4(req: SigV4Request, cred: SigV4Credentials): SigV4Parts {
  const u = new URL(req.url);
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(req.headers)) headers.set(k.toLowerCase(), String(v).trim().replace(/\s+/g, ' '));
  if (!headers.has('host')) headers.set('host', u.host);
  const date = headers.get('x-amz-date');
  if (!date || !/^\d{8}T\d{6}Z$/.test(date)) throw new Error('sigv4: x-amz-date header (YYYYMMDDTHHMMSSZ) is required');
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    req.method.toUpperCase(),
    u.pathname === '' ? '/' : u.pathname,
    canonicalQuery(u),
    names.map((n) => `${n}:${headers.get(n)}\n`).join(''),
    signedHeaders,
    req.payloadHash,
  ].join('\n');
  const day = date.slice(0, 8);
  const service = cred.service ?? 's3';
  const scope = `${day}/${cred.region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${cred.secretAccessKey}`, day), cred.region), service), 'aws4_request');
  const signature = crypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return {
    canonicalRequest,
    stringToSign,
    signature,
    signedHeaders,
    scope,
    authorization: `AWS4-HMAC-SHA256 Credential=${cred.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
