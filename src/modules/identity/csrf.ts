/**
 * Cross-site request checks for cookie-authenticated requests: a synchronizer token (the
 * session's csrf token in the `x-csrf-token` header) and, when the browser sends one, an Origin
 * (or Referer) that names this host. Host only, not scheme: behind a TLS-terminating proxy the
 * app sees http while the browser says https, and a browser never lets a page forge Origin.
 */

export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type OriginVerdict = 'absent' | 'same' | 'cross';

function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.host.toLowerCase();
  } catch {
    return null;
  }
}

/** Compare the Origin header (or, without one, the Referer) to the Host the request came to. */
export function originVerdict(h: { origin?: string | undefined; referer?: string | undefined; host: string | undefined }): OriginVerdict {
  const claimed = h.origin !== undefined ? h.origin : h.referer;
  if (claimed === undefined || claimed === '') return 'absent';
  // "null" is what a sandboxed frame or a file: page sends: never same-origin.
  const from = hostOf(claimed);
  if (!from || !h.host) return 'cross';
  return from === h.host.toLowerCase() ? 'same' : 'cross';
}
