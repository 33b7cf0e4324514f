/**
 * Live updates by server-sent events. `subscribe()` opens an EventSource on /api/events and calls
 * the handler for each message. A server without the endpoint (404, or any non-event-stream
 * answer) closes the stream at once; we then stay quiet and try again rarely, so a screen left on
 * a wall picks the feature up after an upgrade without a reload.
 */

export interface LiveEvent {
  type: string;
  data: unknown;
}

export interface Subscription {
  close(): void;
}

export function subscribe(
  handler: (e: LiveEvent) => void,
  opts: { url?: string; types?: string[]; onStatus?: (s: 'live' | 'unavailable' | 'connecting') => void } = {},
): Subscription {
  const url = opts.url ?? '/api/events';
  const types = opts.types ?? ['case', 'case.created', 'case.updated', 'case.state', 'escalation', 'kpi'];
  let es: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let failures = 0;

  const parse = (type: string, raw: string) => {
    let data: unknown = raw;
    try {
      data = JSON.parse(raw);
    } catch {
      // plain-text event
    }
    handler({ type, data });
  };

  const open = () => {
    if (closed || typeof EventSource === 'undefined') return;
    opts.onStatus?.('connecting');
    es = new EventSource(url, { withCredentials: true });
    es.onopen = () => {
      failures = 0;
      opts.onStatus?.('live');
    };
    es.onmessage = (m) => parse('message', m.data as string);
    for (const t of types) es.addEventListener(t, (m) => parse(t, (m as MessageEvent).data as string));
    es.onerror = () => {
      // CONNECTING means the browser retries by itself (a dropped connection); CLOSED means the
      // server refused the stream (404, wrong type): back off ourselves.
      if (es && es.readyState === EventSource.CLOSED) {
        es.close();
        es = null;
        failures += 1;
        opts.onStatus?.('unavailable');
        const delay = Math.min(300_000, 15_000 * 2 ** Math.min(failures - 1, 4));
        timer = setTimeout(open, delay);
      }
    };
  };
  open();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      es?.close();
    },
  };
}
