import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileStoreError, fileKey, fromHeicDecodePackage, heicDecoder, s3FileStore, setHeicDecoder, sha256, sniffImage, type HeicDecoder } from '../../src/modules/cases/cases.files.js';
import { buildTestApp } from '../helpers/app.js';
import { startFakeS3, type FakeS3 } from '../helpers/fake-s3.js';
import { closeWorld, createCasesWorld, multipart, type CasesWorld, type Who } from './setup.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const heic = fs.readFileSync(path.join(here, '../fixtures/images/iphone-like.heic'));
const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
/** A real HEVC decoder for the tests: libheif's heif-convert (Debian libheif-examples), where installed. */
const cliDecoder: HeicDecoder = async (buf) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-heic-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.heic'), buf);
    execFileSync('heif-convert', [path.join(dir, 'in.heic'), path.join(dir, 'out.png')], { stdio: 'ignore' });
    const { data, info } = await sharp(path.join(dir, 'out.png')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: 4, data };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
const hasHeifConvert = has('heif-convert');

let w: CasesWorld;
let photo: Buffer;
beforeAll(async () => {
  w = await createCasesWorld('5383');
  // A JPEG carrying EXIF with GPS, as a phone camera writes it.
  photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'TestPhone', Model: 'GPS-1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '24/1 3/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '102/1 3/1 0/1' } })
    .toBuffer();
});
afterAll(() => closeWorld(w));

const newCase = async (who: Who, categoryCode = 'CITY.MATERIAL_PILE') => {
  const r = await w.app.inject({ method: 'POST', url: '/api/cases', headers: who.headers, payload: { channel: 'web', categoryCode, description: '带照片的上报', location: w.inGrid } });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().case as { id: number; publicId: string };
};
const upload = (who: Who, id: number, parts: Parameters<typeof multipart>[0]) => {
  const m = multipart(parts);
  return w.app.inject({ method: 'POST', url: `/api/cases/${id}/attachments`, headers: { ...who.headers, ...m.headers }, payload: m.payload });
};
const attachmentCount = async (id: number) => (await w.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_attachment WHERE case_id = $1', [id])).rows[0]!.n;

describe('POST /api/cases/:id/attachments', () => {
  it('201: the copy everyone else sees has no EXIF (no GPS); the original is only for the uploader', async () => {
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const k = await newCase(w.resident);
    const r = await upload(w.resident, k.id, [{ name: 'kind', value: 'report' }, { name: 'photo', filename: 'IMG_0001.jpg', contentType: 'image/jpeg', data: photo }]);
    expect(r.statusCode, r.body).toBe(201);
    const mine = r.json().items[0];
    expect(mine.mime).toBe('image/jpeg');

    const asOp = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.streetOp.headers })).json();
    const seen = asOp.attachments[0];
    expect(seen.sha256).not.toBe(mine.sha256);
    const f = await w.app.inject({ method: 'GET', url: seen.url, headers: w.streetOp.headers });
    expect(f.statusCode).toBe(200);
    expect(f.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(f.rawPayload).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.width).toBe(64);
    expect(f.rawPayload.includes(Buffer.from('TestPhone'))).toBe(false);

    // The original: its uploader only.
    expect((await w.app.inject({ method: 'GET', url: `/api/files/${mine.sha256}`, headers: w.resident.headers })).statusCode).toBe(200);
    expect((await w.app.inject({ method: 'GET', url: `/api/files/${mine.sha256}`, headers: w.streetOp.headers })).statusCode).toBe(404);
    // A public case's public copy: anyone. Another district's operator can see it as the public can.
    expect((await w.app.inject({ method: 'GET', url: seen.url })).statusCode).toBe(200);
    const pub = (await w.app.inject({ method: 'GET', url: `/api/public/cases/${k.publicId}` })).json();
    expect(pub.photos[0].url).toBe(seen.url);
  });

  it('415 for a script named .jpg, naming the field; nothing written', async () => {
    const k = await newCase(w.resident);
    const r = await upload(w.resident, k.id, [{ name: 'photo', filename: 'evil.jpg', contentType: 'image/jpeg', data: Buffer.from('#!/bin/sh\nrm -rf /\n') }]);
    expect(r.statusCode).toBe(415);
    expect(r.json().error.code).toBe('unsupported_media_type');
    expect(r.json().error.message).toContain('photo');
    expect(await attachmentCount(k.id)).toBe(0);
  });

  it('private categories: the photo is never public', async () => {
    const k = await newCase(w.resident, 'DISPUTE.NEIGHBOUR');
    // Other bytes than the public case's photo: content addressing shares identical files.
    const own = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const r = await upload(w.resident, k.id, [{ name: 'photo', filename: 'a.jpg', contentType: 'image/jpeg', data: own }]);
    expect(r.statusCode).toBe(201);
    const asOp = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.streetOp.headers })).json();
    expect((await w.app.inject({ method: 'GET', url: asOp.attachments[0].url })).statusCode).toBe(404);
    expect((await w.app.inject({ method: 'GET', url: asOp.attachments[0].url, headers: w.panlongOp.headers })).statusCode).toBe(404);
    expect((await w.app.inject({ method: 'GET', url: asOp.attachments[0].url, headers: w.streetOp.headers })).statusCode).toBe(200);
  });

  it('evidence: only the lead department uploads it, and handle refers to it', async () => {
    const k = await newCase(w.resident);
    const step = (who: Who, action: string, payload: Record<string, unknown> = {}) => w.app.inject({ method: 'POST', url: `/api/cases/${k.id}/${action}`, headers: who.headers, payload });
    await step(w.streetOp, 'accept');
    await step(w.streetOp, 'dispatch', { leadDepartmentId: w.dept.cgj });
    await step(w.handler, 'sign-for');
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#00ff00' } }).png().toBuffer();
    expect((await upload(w.resident, k.id, [{ name: 'kind', value: 'evidence' }, { name: 'photo', filename: 'x.png', contentType: 'image/png', data: png }])).statusCode).toBe(403);
    const up = await upload(w.handler, k.id, [{ name: 'kind', value: 'evidence' }, { name: 'photo', filename: 'x.png', contentType: 'image/png', data: png }]);
    expect(up.statusCode, up.body).toBe(201);
    const attId = up.json().items[0].id;
    const bad = await step(w.handler, 'handle', { summary: '已清理', attachmentIds: [attId + 1000] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('attachmentIds');
    const ok = await step(w.handler, 'handle', { summary: '已清理', attachmentIds: [attId] });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().attachments.map((a: { kind: string }) => a.kind)).toEqual(['evidence']);
  });

  it('400 when the body is not multipart; 404 for a case out of scope', async () => {
    const k = await newCase(w.resident);
    const r = await w.app.inject({ method: 'POST', url: `/api/cases/${k.id}/attachments`, headers: w.resident.headers, payload: { a: 1 } });
    expect([400, 415]).toContain(r.statusCode);
    const r2 = await upload(w.panlongOp, k.id, [{ name: 'photo', filename: 'a.jpg', contentType: 'image/jpeg', data: photo }]);
    expect(r2.statusCode).toBe(404);
  });
});

const filesOnDisk = (dir: string): number => {
  let n = 0;
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else n++;
    }
  };
  walk(path.join(dir, 'files'));
  return n;
};

describe('HEIC photos', () => {
  afterEach(() => setHeicDecoder(undefined));

  it('sniffed from the content: ftyp brands heic/heix/mif1/msf1/heif', () => {
    expect(sniffImage(heic)).toBe('image/heic');
    const ftyp = (major: string, ...compat: string[]) => {
      const b = Buffer.alloc(16 + compat.length * 4);
      b.writeUInt32BE(b.length, 0);
      b.write('ftyp', 4, 'latin1');
      b.write(major, 8, 'latin1');
      compat.forEach((c, i) => b.write(c, 16 + i * 4, 'latin1'));
      return b;
    };
    expect(sniffImage(ftyp('heix'))).toBe('image/heic');
    expect(sniffImage(ftyp('mif1', 'heic'))).toBe('image/heic');
    expect(sniffImage(ftyp('msf1'))).toBe('image/heif');
    expect(sniffImage(ftyp('heif'))).toBe('image/heif');
    expect(sniffImage(ftyp('isom', 'mp41'))).toBeNull();
  });

  it.skipIf(!hasHeifConvert)('201: a real HEIC → the public copy is a JPEG without EXIF (no GPS); the uploader keeps the HEIC', async () => {
    setHeicDecoder(cliDecoder);
    const k = await newCase(w.resident);
    const r = await upload(w.resident, k.id, [{ name: 'photo', filename: 'IMG_0002.HEIC', contentType: 'image/heic', data: heic }]);
    expect(r.statusCode, r.body).toBe(201);
    const mine = r.json().items[0];
    expect(mine.mime).toBe('image/heic');
    expect(mine.sha256).toBe(sha256(heic));
    const asOp = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.streetOp.headers })).json();
    const seen = asOp.attachments[0];
    expect(seen.mime).toBe('image/jpeg');
    const f = await w.app.inject({ method: 'GET', url: seen.url, headers: w.streetOp.headers });
    expect(f.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(f.rawPayload).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
    expect(meta.exif).toBeUndefined();
    expect(f.rawPayload.includes(Buffer.from('TestPhone'))).toBe(false);
    // The pixels survived: left half red, right half green.
    const { data } = await sharp(f.rawPayload).raw().toBuffer({ resolveWithObject: true });
    expect(data[(10 * 64 + 5) * 3]!).toBeGreaterThan(150);
    expect(data[(10 * 64 + 60) * 3 + 1]!).toBeGreaterThan(100);
    const orig = await w.app.inject({ method: 'GET', url: `/api/files/${mine.sha256}`, headers: w.resident.headers });
    expect(orig.headers['content-type']).toBe('image/heic');
    expect(orig.rawPayload.equals(heic)).toBe(true);
  });

  it.skipIf(!hasHeifConvert)('the heif-convert decoder itself: the fixture decodes to 64×48', async () => {
    const raw = await cliDecoder(heic);
    expect([raw.width, raw.height, raw.channels]).toEqual([64, 48, 4]);
  });

  it('201 through the adapter with any decoder that gives pixels (the pipeline, decoder aside)', async () => {
    setHeicDecoder(async () => ({ width: 8, height: 6, channels: 4, data: new Uint8ClampedArray(8 * 6 * 4).fill(200) }));
    const k = await newCase(w.resident);
    const r = await upload(w.resident, k.id, [{ name: 'photo', filename: 'a.heic', contentType: 'image/heic', data: heic }]);
    expect(r.statusCode, r.body).toBe(201);
    const asOp = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.streetOp.headers })).json();
    expect(asOp.attachments[0]).toMatchObject({ mime: 'image/jpeg', width: 8, height: 6 });
  });

  it('415 naming the field when no decoder is available; nothing written', async () => {
    setHeicDecoder(null);
    const k = await newCase(w.resident);
    const before = filesOnDisk(w.dataDir);
    const png = await sharp({ create: { width: 5, height: 5, channels: 3, background: '#abcdef' } }).png().toBuffer();
    // A good file first: one bad part fails the whole request.
    const r = await upload(w.resident, k.id, [
      { name: 'ok', filename: 'a.png', contentType: 'image/png', data: png },
      { name: 'photo', filename: 'IMG.HEIC', contentType: 'image/heic', data: heic },
    ]);
    expect(r.statusCode).toBe(415);
    expect(r.json().error.code).toBe('unsupported_media_type');
    expect(r.json().error.message).toContain('photo');
    expect(r.json().error.message).toContain('heic-decode');
    expect(await attachmentCount(k.id)).toBe(0);
    expect(filesOnDisk(w.dataDir)).toBe(before);
  });

  it('415 naming the field for an undecodable HEIC (a truncated file, or a decoder that fails); nothing written', async () => {
    const k = await newCase(w.resident);
    const before = filesOnDisk(w.dataDir);
    const broken = Buffer.concat([heic.subarray(0, 40), Buffer.alloc(200, 7)]);
    const r = await upload(w.resident, k.id, [{ name: 'photo', filename: 'x.heic', contentType: 'image/heic', data: broken }]);
    expect(r.statusCode).toBe(415);
    expect(r.json().error.message).toContain('photo');
    setHeicDecoder(async () => {
      throw new Error('bitstream error');
    });
    const r2 = await upload(w.resident, k.id, [{ name: 'picture', filename: 'y.heic', contentType: 'image/heic', data: heic }]);
    expect(r2.statusCode).toBe(415);
    expect(r2.json().error.message).toContain('picture');
    expect(await attachmentCount(k.id)).toBe(0);
    expect(filesOnDisk(w.dataDir)).toBe(before);
  });

  it('the heic-decode adapter: its RGBA ArrayBuffer becomes 4-channel pixels', async () => {
    const rgba = new Uint8ClampedArray(2 * 3 * 4).fill(9);
    const d = fromHeicDecodePackage(async ({ buffer }) => {
      expect(buffer).toBe(heic);
      return { width: 2, height: 3, data: rgba.buffer };
    });
    const raw = await d(heic);
    expect([raw.width, raw.height, raw.channels, raw.data.length, raw.data[5]]).toEqual([2, 3, 4, 24, 9]);
  });

  it('the heic-decode package, when installed, decodes the real fixture', async () => {
    setHeicDecoder(undefined);
    const d = await heicDecoder();
    if (!d) return; // not installed: the adapter reports none (the previous tests cover the 415)
    const raw = await d(heic);
    expect([raw.width, raw.height]).toEqual([64, 48]);
  });
});

describe('S3-compatible file store', () => {
  let s3: FakeS3;
  let app: FastifyInstance;
  let dataDir: string;
  beforeAll(async () => {
    s3 = await startFakeS3();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-s3-'));
    app = await buildTestApp(w.t.db, {
      config: { dataDir, s3: { endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true } },
    });
  });
  afterAll(async () => {
    await app?.close();
    await s3?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const cfg = () => ({ endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true });

  it('put/get/has under the same content-addressed keys as the local store, every request signed', async () => {
    const store = s3FileStore(cfg());
    const bytes = Buffer.from('证据照片 bytes');
    const sha = sha256(bytes);
    expect(await store.has(sha)).toBe(false);
    expect(await store.get(sha)).toBeNull();
    await store.put(sha, bytes, 'image/jpeg');
    expect(s3.objects.get(fileKey(sha))).toEqual({ body: bytes, contentType: 'image/jpeg' });
    expect(fileKey(sha)).toBe(`files/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`);
    expect(await store.has(sha)).toBe(true);
    expect((await store.get(sha))!.equals(bytes)).toBe(true);
    expect(s3.requests.every((r) => r.status !== 403)).toBe(true);
  });

  it('a wrong secret is refused by the server (SignatureDoesNotMatch): FileStoreError', async () => {
    const store = s3FileStore({ ...cfg(), secretAccessKey: 'not-the-secret' });
    await expect(store.get('a'.repeat(64))).rejects.toThrow(FileStoreError);
    await expect(store.get('a'.repeat(64))).rejects.toThrow(/403 SignatureDoesNotMatch/);
  });

  it('virtual-hosted style: the bucket in the host name, which is what gets signed', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const fake = (async (url: string, init: { headers: Record<string, string> }) => {
      seen.push({ url, headers: init.headers });
      return new Response(null, { status: 404 });
    }) as unknown as typeof fetch;
    const store = s3FileStore({ ...cfg(), endpoint: 'https://s3.example.internal', forcePathStyle: false }, fake);
    expect(await store.get('b'.repeat(64))).toBeNull();
    expect(seen[0]!.url).toBe(`https://${s3.bucket}.s3.example.internal/files/bb/bb/${'b'.repeat(64)}`);
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=GZTESTKEY0000000001\/\d{8}\/cn-test-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
  });

  it('POST /api/cases/:id/attachments 201 with S3 configured: both copies in the bucket, nothing in the data folder; served back from S3', async () => {
    const k = await newCase(w.resident);
    const m = multipart([{ name: 'photo', filename: 'IMG_0003.jpg', contentType: 'image/jpeg', data: photo }]);
    const r = await app.inject({ method: 'POST', url: `/api/cases/${k.id}/attachments`, headers: { ...w.resident.headers, ...m.headers }, payload: m.payload });
    expect(r.statusCode, r.body).toBe(201);
    const mine = r.json().items[0];
    expect(s3.objects.has(fileKey(mine.sha256))).toBe(true);
    expect(s3.objects.get(fileKey(mine.sha256))!.body.equals(photo)).toBe(true);
    expect(filesOnDisk(dataDir)).toBe(0);
    const asOp = (await app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.streetOp.headers })).json();
    const pub = asOp.attachments[0];
    expect(s3.objects.has(fileKey(pub.sha256))).toBe(true);
    const f = await app.inject({ method: 'GET', url: pub.url, headers: w.streetOp.headers });
    expect(f.statusCode).toBe(200);
    expect((await sharp(f.rawPayload).metadata()).exif).toBeUndefined();
  });

  it('503 file_store_unavailable when the bucket fails; no attachment recorded', async () => {
    const k = await newCase(w.resident);
    const own = await sharp({ create: { width: 7, height: 7, channels: 3, background: '#445566' } }).jpeg().toBuffer();
    s3.failNext(503, 5);
    const m = multipart([{ name: 'photo', filename: 'b.jpg', contentType: 'image/jpeg', data: own }]);
    const r = await app.inject({ method: 'POST', url: `/api/cases/${k.id}/attachments`, headers: { ...w.resident.headers, ...m.headers }, payload: m.payload });
    s3.failNext(0, 0);
    expect(r.statusCode).toBe(503);
    expect(r.json().error.code).toBe('file_store_unavailable');
    expect(await attachmentCount(k.id)).toBe(0);
  });
});
