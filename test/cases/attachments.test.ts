import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWorld, createCasesWorld, multipart, type CasesWorld, type Who } from './setup.js';

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
