/**
 * Photos and files: the type is sniffed from the bytes (never the file name), images are decoded
 * and re-encoded with sharp (rotated upright, every metadata block — EXIF GPS included — dropped)
 * for every copy anyone but the uploader sees, and stored content-addressed by SHA-256 under the
 * key files/ab/cd/<sha256>: in the data folder, or in an S3-compatible bucket when configured.
 *
 * HEIC/HEIF (what iPhones send) is decoded by sharp when its libvips can (it usually cannot: the
 * prebuilt one has no HEVC decoder), else by the `heic-decode` package (libheif in WASM), loaded
 * on first use; the public copy is always a JPEG.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { AppError } from '../../platform/errors.js';
import type { S3Config } from '../../platform/config.js';
import { EMPTY_SHA256, amzDate, encodeKey, signV4 } from './sigv4.js';

export const MAX_UPLOAD_BYTES = 10 * 1_048_576;
const MAX_PIXELS = 50_000_000;

/** What a public copy is encoded as. */
export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';
/** What an upload may be. */
export type UploadMime = ImageMime | 'image/heic' | 'image/heif';

// HEVC-coded brands (iPhone photos, bursts) and the generic HEIF image/sequence brands.
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'heif']);

/** The real type of the bytes, or null when it is not an image we accept. */
export function sniffImage(buf: Buffer): UploadMime | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (buf.length >= 12 && buf.toString('latin1', 4, 8) === 'ftyp') {
    const major = buf.toString('latin1', 8, 12);
    if (HEIC_BRANDS.has(major)) return 'image/heic';
    if (HEIF_BRANDS.has(major)) {
      // A generic major brand: the compatible brands say whether the pictures are HEVC.
      const size = Math.min(buf.readUInt32BE(0), buf.length);
      for (let o = 16; o + 4 <= size; o += 4) if (HEIC_BRANDS.has(buf.toString('latin1', o, o + 4))) return 'image/heic';
      return 'image/heif';
    }
  }
  return null;
}

export interface ProcessedImage {
  mime: UploadMime;
  publicBytes: Buffer;
  publicMime: ImageMime;
  width: number | null;
  height: number | null;
}

// ---------------------------------------------------------------------------------------------
// HEIC decoding: a small adapter so the decoder can be swapped (tests, a system libheif)

/** Decoded pixels: RGBA (4 channels) or RGB (3), row-major, 8 bits. */
export interface RawImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}
export type HeicDecoder = (buf: Buffer) => Promise<RawImage>;

/** The npm package the fallback decoder needs (libheif compiled to WASM; pulls in libheif-js). */
export const HEIC_DECODER_PACKAGE = 'heic-decode';

let decoderOverride: HeicDecoder | null | undefined;
let packageDecoder: Promise<HeicDecoder | null> | undefined;

/**
 * Replace the fallback decoder (null: none; undefined: back to the `heic-decode` package). For
 * tests, and for an installation that wants another decoder.
 */
export function setHeicDecoder(d: HeicDecoder | null | undefined): void {
  decoderOverride = d;
}

/** The `heic-decode` API: `decode({ buffer })` → `{ width, height, data }`, data an RGBA ArrayBuffer. */
export type HeicDecodeFn = (o: { buffer: Buffer }) => Promise<{ width: number; height: number; data: ArrayBuffer | ArrayBufferView | ArrayLike<number> }>;

/** Wraps the `heic-decode` package's function as a HeicDecoder. */
export function fromHeicDecodePackage(decode: HeicDecodeFn): HeicDecoder {
  return async (buf) => {
    const img = await decode({ buffer: buf });
    const d = img.data;
    const data = ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : Object.prototype.toString.call(d) === '[object ArrayBuffer]'
        ? new Uint8Array(d as ArrayBuffer)
        : Uint8Array.from(d as ArrayLike<number>);
    return { width: img.width, height: img.height, channels: 4, data };
  };
}

async function loadPackageDecoder(): Promise<HeicDecoder | null> {
  let mod: { default?: unknown };
  try {
    // A variable name: the package is optional, so neither tsc nor the bundler must resolve it.
    const name: string = HEIC_DECODER_PACKAGE;
    mod = (await import(name)) as { default?: unknown };
  } catch {
    return null;
  }
  const decode = typeof mod.default === 'function' ? mod.default : mod;
  return typeof decode === 'function' ? fromHeicDecodePackage(decode as HeicDecodeFn) : null;
}

/** The fallback decoder in use, or null when none is available. */
export async function heicDecoder(): Promise<HeicDecoder | null> {
  if (decoderOverride !== undefined) return decoderOverride;
  packageDecoder ??= loadPackageDecoder();
  return packageDecoder;
}

/** HEIC/HEIF bytes to a sharp pipeline: libvips first, the fallback decoder second. */
async function openHeif(buf: Buffer, field: string, mime: UploadMime): Promise<Sharp> {
  // The header alone (no HEVC needed) gives the size: refuse pixel bombs before decoding.
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new AppError('unsupported_media_type', `${field}: the HEIC/HEIF image could not be read (${(e as Error).message})`, [{ field, detected: mime }]);
  }
  if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_PIXELS) throw new AppError('unsupported_media_type', `${field}: the image has more than ${MAX_PIXELS} pixels`, [{ field, detected: mime }]);
  try {
    const img = sharp(buf, { limitInputPixels: MAX_PIXELS, failOn: 'error' });
    // Decoding is what fails when libvips lacks HEVC: force it here, not later.
    const { data, info } = await img.clone().raw().toBuffer({ resolveWithObject: true });
    return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  } catch {
    // fall through to the fallback decoder
  }
  const decode = await heicDecoder();
  if (!decode) {
    throw new AppError(
      'unsupported_media_type',
      `${field}: HEIC photos cannot be decoded on this server (the ${HEIC_DECODER_PACKAGE} package is not installed); send JPEG, PNG or WebP (phones can export JPEG)`,
      [{ field, detected: mime }],
    );
  }
  let raw: RawImage;
  try {
    raw = await decode(buf);
  } catch (e) {
    throw new AppError('unsupported_media_type', `${field}: the HEIC image could not be decoded (${(e as Error).message})`, [{ field, detected: mime }]);
  }
  if (!(raw.width > 0 && raw.height > 0) || raw.width * raw.height > MAX_PIXELS || raw.data.length !== raw.width * raw.height * raw.channels) {
    throw new AppError('unsupported_media_type', `${field}: the HEIC image could not be decoded (bad dimensions)`, [{ field, detected: mime }]);
  }
  return sharp(Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
}

/** Checks and re-encodes an upload; `field` names the multipart field in errors. */
export async function processImage(buf: Buffer, field: string): Promise<ProcessedImage> {
  if (buf.length > MAX_UPLOAD_BYTES) throw new AppError('payload_too_large', `${field}: larger than ${MAX_UPLOAD_BYTES / 1_048_576} MB`, [{ field }]);
  const mime = sniffImage(buf);
  if (!mime) throw new AppError('unsupported_media_type', `${field}: the content is not a JPEG, PNG, WebP or HEIC image`, [{ field, detected: null }]);
  if (mime === 'image/heic' || mime === 'image/heif') {
    // Decoded pixels carry no metadata at all; the public copy is a JPEG every browser shows.
    const img = await openHeif(buf, field, mime);
    try {
      const { data, info } = await img.jpeg({ quality: 85, mozjpeg: true }).toBuffer({ resolveWithObject: true });
      return { mime, publicBytes: data, publicMime: 'image/jpeg', width: info.width ?? null, height: info.height ?? null };
    } catch (e) {
      throw new AppError('unsupported_media_type', `${field}: the image could not be decoded (${(e as Error).message})`, [{ field, detected: mime }]);
    }
  }
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

// ---------------------------------------------------------------------------------------------
// file stores: one interface, the same content-addressed keys

/** The key of a file in any store: files/ab/cd/<sha256>. */
export const fileKey = (sha: string): string => `files/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;

export interface FileStore {
  readonly kind: 'local' | 's3';
  /** Stores bytes under their hash; idempotent (the same content is written once). */
  put(sha: string, bytes: Buffer, contentType?: string): Promise<void>;
  /** The bytes, or null when there is no such file. */
  get(sha: string): Promise<Buffer | null>;
  has(sha: string): Promise<boolean>;
}

export const filePath = (dataDir: string, sha: string): string => path.join(dataDir, ...fileKey(sha).split('/'));

export function localFileStore(dataDir: string): FileStore {
  return {
    kind: 'local',
    async put(sha, bytes) {
      const dest = filePath(dataDir, sha);
      if (fs.existsSync(dest)) return;
      await fs.promises.mkdir(path.dirname(dest), { recursive: true });
      // Write-then-rename: a reader never sees half a file.
      const tmp = `${dest}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      await fs.promises.writeFile(tmp, bytes);
      await fs.promises.rename(tmp, dest);
    },
    async get(sha) {
      try {
        return await fs.promises.readFile(filePath(dataDir, sha));
      } catch {
        return null;
      }
    },
    async has(sha) {
      return fs.existsSync(filePath(dataDir, sha));
    },
  };
}

export class FileStoreError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'FileStoreError';
  }
}

/**
 * An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, OSS/COS in S3 mode), signed with SigV4.
 * `fetchImpl` for tests; requests time out after 30 s so a stuck store fails the upload instead
 * of hanging it.
 */
export function s3FileStore(cfg: S3Config, fetchImpl: typeof fetch = fetch): FileStore {
  const base = new URL(cfg.endpoint);
  const urlOf = (key: string) => {
    const prefix = base.pathname.replace(/\/+$/, '');
    return cfg.forcePathStyle
      ? `${base.protocol}//${base.host}${prefix}/${cfg.bucket}/${encodeKey(key)}`
      : `${base.protocol}//${cfg.bucket}.${base.host}${prefix}/${encodeKey(key)}`;
  };
  const send = async (method: 'GET' | 'PUT' | 'HEAD', key: string, body?: Buffer, contentType?: string): Promise<Response> => {
    const url = urlOf(key);
    const payloadHash = body ? sha256(body) : EMPTY_SHA256;
    const headers: Record<string, string> = { 'x-amz-date': amzDate(new Date()), 'x-amz-content-sha256': payloadHash };
    if (body) {
      headers['content-type'] = contentType ?? 'application/octet-stream';
      headers['content-length'] = String(body.length);
    }
    const signed = signV4({ method, url, headers, payloadHash }, { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey, region: cfg.region });
    try {
      return await fetchImpl(url, {
        method,
        headers: { ...headers, authorization: signed.authorization },
        ...(body ? { body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new FileStoreError(`S3 ${method} ${key}: ${(e as Error).message}`, null);
    }
  };
  const fail = async (method: string, key: string, res: Response): Promise<never> => {
    const text = await res.text().catch(() => '');
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
    throw new FileStoreError(`S3 ${method} ${key}: ${res.status}${code ? ` ${code}` : ''}`, res.status);
  };
  const store: FileStore = {
    kind: 's3',
    async has(sha) {
      const key = fileKey(sha);
      const res = await send('HEAD', key);
      if (res.status === 404) return false;
      if (!res.ok) return fail('HEAD', key, res);
      return true;
    },
    async put(sha, bytes, contentType) {
      // No HEAD first: a key is its content's hash, so writing it again changes nothing.
      const key = fileKey(sha);
      const res = await send('PUT', key, bytes, contentType);
      if (!res.ok) return fail('PUT', key, res);
      await res.arrayBuffer().catch(() => undefined);
    },
    async get(sha) {
      const key = fileKey(sha);
      const res = await send('GET', key);
      if (res.status === 404) return null;
      if (!res.ok) return fail('GET', key, res);
      return Buffer.from(await res.arrayBuffer());
    },
  };
  return store;
}

// One store per configuration object: the app's config is built once.
const stores = new WeakMap<object, FileStore>();

/** The store an installation uses: S3 when GONGZHI_S3_* are set, else <dataDir>/files. */
export function fileStoreFor(config: { dataDir: string; s3?: S3Config | undefined }): FileStore {
  let s = stores.get(config);
  if (!s) {
    s = config.s3 ? s3FileStore(config.s3) : localFileStore(config.dataDir);
    stores.set(config, s);
  }
  return s;
}

/** A store or, for callers that only know the data folder, the folder itself. */
export type FileStoreLike = FileStore | string;
export const asFileStore = (s: FileStoreLike): FileStore => (typeof s === 'string' ? localFileStore(s) : s);

/** Stores bytes under their hash (idempotent) and returns the hash. */
export async function storeFile(store: FileStoreLike, buf: Buffer, contentType?: string): Promise<string> {
  const sha = sha256(buf);
  await asFileStore(store).put(sha, buf, contentType);
  return sha;
}

export async function readStoredFile(store: FileStoreLike, sha: string): Promise<Buffer | null> {
  return asFileStore(store).get(sha);
}
