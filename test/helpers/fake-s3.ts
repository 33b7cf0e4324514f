/**
 * An in-process fake of an S3-compatible store on 127.0.0.1: PUT, GET and HEAD of objects in one
 * bucket, path-style. Every request's SigV4 Authorization header is checked with the same secret,
 * by a verifier written here independently of src/modules/cases/sigv4.ts (canonical request from
 * the request as received), so a signing bug fails with 403 SignatureDoesNotMatch like real S3.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeS3 {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  objects: Map<string, { body: Buffer; contentType: string | undefined }>;
  requests: Array<{ method: string; key: string; status: number }>;
  /** The next n requests answer this status (an outage). */
  failNext(status: number, n?: number): void;
  close(): Promise<void>;
}

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');
const hmac = (k: crypto.BinaryLike, d: string) => crypto.createHmac('sha256', k).update(d).digest();
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function verify(req: http.IncomingMessage, body: Buffer, o: { region: string; accessKeyId: string; secretAccessKey: string }): string | null {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'AuthorizationHeaderMalformed';
  const [, akid, day, region, signed, signature] = m as unknown as [string, string, string, string, string, string];
  if (akid !== o.accessKeyId) return 'InvalidAccessKeyId';
  if (region !== o.region) return 'AuthorizationHeaderMalformed';
  const date = String(req.headers['x-amz-date'] ?? '');
  if (!/^\d{8}T\d{6}Z$/.test(date) || date.slice(0, 8) !== day) return 'AccessDenied';
  const t = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
  if (Math.abs(Date.now() - t) > 15 * 60_000) return 'RequestTimeTooSkewed';
  const payload = String(req.headers['x-amz-content-sha256'] ?? '');
  if (payload !== sha(body)) return 'XAmzContentSHA256Mismatch';
  const names = signed.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'AccessDenied';
  const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?') as [string, string?];
  const query = rawQuery
    .split('&')
    .filter(Boolean)
    .map((p) => p.split('=').map((x) => enc(decodeURIComponent(x))) as [string, string?])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v = '']) => `${k}=${v}`)
    .join('&');
  const headerLines = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [req.method, rawPath, query, headerLines, signed, payload].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${o.secretAccessKey}`, day), region), 's3'), 'aws4_request');
  const want = crypto.createHmac('sha256', key).update(toSign).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(want), Buffer.from(signature)) ? null : 'SignatureDoesNotMatch';
}

export async function startFakeS3(o: { bucket?: string; region?: string; accessKeyId?: string; secretAccessKey?: string } = {}): Promise<FakeS3> {
  const bucket = o.bucket ?? 'gongzhi-test';
  const region = o.region ?? 'cn-test-1';
  const accessKeyId = o.accessKeyId ?? 'GZTESTKEY0000000001';
  const secretAccessKey = o.secretAccessKey ?? 'gz/test/secret/0123456789abcdefghijklmn';
  const objects: FakeS3['objects'] = new Map();
  const requests: FakeS3['requests'] = [];
  let failing = { status: 0, n: 0 };
  const xml = (code: string) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      const prefix = `/${bucket}/`;
      const key = path.startsWith(prefix) ? path.slice(prefix.length) : '';
      const answer = (status: number, payload?: Buffer | string, headers: Record<string, string> = {}) => {
        requests.push({ method: req.method ?? '', key, status });
        res.writeHead(status, headers);
        res.end(req.method === 'HEAD' ? undefined : payload);
      };
      if (failing.n > 0) {
        failing.n--;
        return answer(failing.status, xml(failing.status === 503 ? 'SlowDown' : 'InternalError'), { 'content-type': 'application/xml' });
      }
      const problem = verify(req, body, { region, accessKeyId, secretAccessKey });
      if (problem) return answer(403, xml(problem), { 'content-type': 'application/xml' });
      if (!key) return answer(400, xml('InvalidRequest'), { 'content-type': 'application/xml' });
      if (req.method === 'PUT') {
        const ct = req.headers['content-type'];
        objects.set(key, { body, contentType: typeof ct === 'string' ? ct : undefined });
        return answer(200, '', { etag: `"${crypto.createHash('md5').update(body).digest('hex')}"` });
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        const obj = objects.get(key);
        if (!obj) return answer(404, xml('NoSuchKey'), { 'content-type': 'application/xml' });
        return answer(200, obj.body, { 'content-type': obj.contentType ?? 'application/octet-stream', 'content-length': String(obj.body.length) });
      }
      return answer(405, xml('MethodNotAllowed'), { 'content-type': 'application/xml' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    objects,
    requests,
    failNext(status, n = 1) {
      failing = { status, n };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
