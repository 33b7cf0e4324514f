/**
 * Photos and files: the type is sniffed from the bytes (never the file name), images are decoded
 * and re-encoded with sharp (rotated upright, every metadata block — EXIF GPS included — dropped)
 * for every copy anyone but the uploader sees, and stored content-addressed under
 * <dataDir>/files/ab/cd/<sha256>.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../../platform/errors.js';

export const MAX_UPLOAD_BYTES = 10 * 1_048_576;
const MAX_PIXELS = 50_000_000;

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';

/** The real type of the bytes, or null when it is not an image we accept. */
export function sniffImage(buf: Buffer): ImageMime | 'image/heic' | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (buf.length >= 12 && buf.toString('latin1', 4, 8) === 'ftyp' && /^(heic|heix|hevc|hevx|mif1|msf1)$/.test(buf.toString('latin1', 8, 12))) return 'image/heic';
  return null;
}

export interface ProcessedImage {
  mime: ImageMime;
  publicBytes: Buffer;
  publicMime: ImageMime;
  width: number | null;
  height: number | null;
}

/** Checks and re-encodes an upload; `field` names the multipart field in errors. */
export async function processImage(buf: Buffer, field: string): Promise<ProcessedImage> {
  if (buf.length > MAX_UPLOAD_BYTES) throw new AppError('payload_too_large', `${field}: larger than ${MAX_UPLOAD_BYTES / 1_048_576} MB`, [{ field }]);
  const mime = sniffImage(buf);
  if (mime === 'image/heic') {
    throw new AppError('unsupported_media_type', `${field}: HEIC photos are not accepted; send JPEG, PNG or WebP (phones can export JPEG)`, [{ field, detected: mime }]);
  }
  if (!mime) throw new AppError('unsupported_media_type', `${field}: the content is not a JPEG, PNG or WebP image`, [{ field, detected: null }]);
  try {
    // .rotate() applies the EXIF orientation before the metadata is dropped; sharp writes no
    // metadata unless asked (withMetadata/withExif), so the output carries no GPS.
    const img = sharp(buf, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
    const out = mime === 'image/png' ? img.png() : mime === 'image/webp' ? img.webp({ quality: 85 }) : img.jpeg({ quality: 85, mozjpeg: true });
    const { data, info } = await out.toBuffer({ resolveWithObject: true });
    return { mime, publicBytes: data, publicMime: mime, width: info.width ?? null, height: info.height ?? null };
  } catch (e) {
    throw new AppError('unsupported_media_type', `${field}: the image could not be decoded (${(e as Error).message})`, [{ field, detected: mime }]);
  }
}

export const sha256 = (buf: Buffer): string => crypto.createHash('sha256').update(buf).digest('hex');

export const filePath = (dataDir: string, sha: string): string => path.join(dataDir, 'files', sha.slice(0, 2), sha.slice(2, 4), sha);

/** Stores bytes under their hash (idempotent: the same content is written once). */
export async function storeFile(dataDir: string, buf: Buffer): Promise<string> {
  const sha = sha256(buf);
  const dest = filePath(dataDir, sha);
  if (fs.existsSync(dest)) return sha;
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.promises.writeFile(tmp, buf);
  await fs.promises.rename(tmp, dest);
  return sha;
}

export async function readStoredFile(dataDir: string, sha: string): Promise<Buffer | null> {
  try {
    return await fs.promises.readFile(filePath(dataDir, sha));
  } catch {
    return null;
  }
}
