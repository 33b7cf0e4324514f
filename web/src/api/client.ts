/**
 * The one HTTP client of the web app. Every request goes through `api()`: it sends the session
 * cookie (same origin), the CSRF token on unsafe methods, and turns the server's error body
 * `{ error: { code, message, details } }` into an ApiError whose code the UI translates
 * (errorText). Endpoint paths live in the feature api files that call this, one per module.
 */

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
  /** The field a validation error names, when it names one. */
  get field(): string | undefined {
    const d = this.details;
    if (Array.isArray(d) && d[0] && typeof d[0] === 'object' && 'field' in d[0]) return String((d[0] as { field: unknown }).field);
    return undefined;
  }
}

const CSRF_KEY = 'gz.csrf';
let csrfToken: string | null = typeof sessionStorage !== 'undefined' ? sessionStorage.getItem(CSRF_KEY) : null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // private mode: the in-memory copy is enough for this tab
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Listeners told when the server says the session is gone (so the app can go to the login page). */
const unauthenticatedListeners = new Set<() => void>();
export function onUnauthenticated(fn: () => void): () => void {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
}

export interface RequestOptions {
  method?: string;
  query?: Record<string, string | number | boolean | undefined | null | Array<string | number>>;
  /** JSON body, or FormData for uploads. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Return null instead of throwing on 404 (optional endpoints). */
  allow404?: boolean;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) for (const x of v) qs.append(k, String(x));
    else if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = (opts.method ?? (opts.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) body = opts.body;
  else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'The server could not be reached.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    if (res.status === 404 && opts.allow404) return null as T;
    const err = (data as ApiErrorBody | undefined)?.error;
    const apiErr = new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? res.statusText, err?.details);
    if ((apiErr.code === 'unauthenticated' || apiErr.code === 'session_expired') && !path.startsWith('/api/auth/')) {
      for (const fn of unauthenticatedListeners) fn();
    }
    throw apiErr;
  }
  return data as T;
}

export const get = <T>(path: string, query?: RequestOptions['query'], extra: Omit<RequestOptions, 'query'> = {}) => api<T>(path, { ...extra, query });
export const post = <T>(path: string, body?: unknown, extra: RequestOptions = {}) => api<T>(path, { ...extra, method: 'POST', body: body ?? {} });
export const patch = <T>(path: string, body?: unknown) => api<T>(path, { method: 'PATCH', body: body ?? {} });
export const del = <T>(path: string) => api<T>(path, { method: 'DELETE' });

/** Lists come as an array or wrapped ({items}/{data}/{cases}/…); read either. */
export function listOf<T>(v: unknown, ...keys: string[]): T[] {
  if (Array.isArray(v)) return v as T[];
  if (v && typeof v === 'object') {
    for (const k of [...keys, 'items', 'data', 'results', 'rows']) {
      const x = (v as Record<string, unknown>)[k];
      if (Array.isArray(x)) return x as T[];
    }
  }
  return [];
}
