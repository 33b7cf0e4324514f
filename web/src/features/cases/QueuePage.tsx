/**
 * Work queues. One page, four views: the operator's triage queue, the department handler's
 * inbox, the grid worker's tasks, and the plain case list. Each tab is a filter the server
 * applies in the actor's region scope; the queue never decides what someone may do.
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { useAuth } from '../../app/auth';
import { Alert, Tabs } from '../shared/ui';
import { CaseRow } from './CaseCard';
import { OPEN_STATES, categoryMap, listCases, listCategories, type CaseQuery, type CaseSummary, type Category } from './api';

type View = 'triage' | 'inbox' | 'grid' | 'all';

// Each tab is a server-side filter (GET /api/cases), always inside the actor's scope.
const TABS: Record<View, Array<{ id: string; query: CaseQuery }>> = {
  triage: [
    { id: 'new', query: { state: ['reported'] } },
    { id: 'toDispatch', query: { state: ['accepted'] } },
    { id: 'returned', query: { state: ['returned'] } },
    { id: 'inProgress', query: { state: ['dispatched', 'signed', 'in_progress', 'handled', 'verified'] } },
    { id: 'closed', query: { state: ['closed'] } },
    { id: 'overdue', query: { overdue: true, state: OPEN_STATES } },
  ],
  inbox: [
    { id: 'toSign', query: { state: ['dispatched'] } },
    { id: 'inProgress', query: { state: ['signed', 'in_progress'] } },
    { id: 'handled', query: { state: ['handled'] } },
    { id: 'overdue', query: { overdue: true, state: OPEN_STATES } },
  ],
  grid: [
    { id: 'verify', query: { state: ['handled'] } },
    { id: 'open', query: { state: OPEN_STATES } },
    { id: 'mine', query: { mine: true } },
  ],
  all: [
    { id: 'open', query: { state: OPEN_STATES } },
    { id: 'closed', query: { state: ['closed', 'evaluated'] } },
    { id: 'everything', query: {} },
  ],
};

export default function QueuePage({ view }: { view: View }) {
  const { t } = useTranslation();
  const { active } = useAuth();
  const tabs = TABS[view];
  const [tab, setTab] = useState(tabs[0]!.id);
  const [items, setItems] = useState<CaseSummary[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [cats, setCats] = useState<Map<string, Category>>(new Map());
  const [selected, setSelected] = useState<Set<string>>(new Set());

  useEffect(() => setTab(TABS[view][0]!.id), [view]);
  useEffect(() => {
    void listCategories()
      .then((cs) => setCats(categoryMap(cs)))
      .catch(() => undefined);
  }, []);

  const query = useMemo<CaseQuery>(() => {
    const base = tabs.find((x) => x.id === tab)?.query ?? {};
    return { ...base, ...(q.trim() ? { q: q.trim() } : {}), ...(active?.regionCode && active.role !== 'handler' && active.role !== 'resident' ? { regionCode: active.regionCode } : {}), limit: 50 };
  }, [tabs, tab, q, active?.regionCode]);

  useEffect(() => {
    let alive = true;
    setItems(null);
    setError(null);
    setSelected(new Set());
    const handle = setTimeout(() => {
      listCases(query)
        .then((p) => alive && (setItems(p.items), setNext(p.next)))
        .catch((e) => alive && (setItems([]), setError(errorText(t, e))));
    }, 200);
    return () => {
      alive = false;
      clearTimeout(handle);
    };
  }, [query, t]);

  async function more() {
    if (!next) return;
    try {
      const p = await listCases({ ...query, cursor: next });
      setItems((xs) => [...(xs ?? []), ...p.items]);
      setNext(p.next);
    } catch (e) {
      setError(errorText(t, e));
    }
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t(`queue.title.${view}`)}</h1>
        <div className="search">
          <label htmlFor="q" className="sr-only">
            {t('queue.search')}
          </label>
          <input id="q" type="search" value={q} placeholder={t('queue.search')} onChange={(e) => setQ(e.target.value)} />
        </div>
      </div>
      <Tabs label={t(`queue.title.${view}`)} tabs={tabs.map((x) => ({ id: x.id, label: t(`queue.tab.${x.id}`) }))} value={tab} onChange={setTab} />
      {view === 'triage' && selected.size > 0 && (
        <div className="bulkbar" role="region" aria-label={t('queue.bulk')}>
          {t('queue.selectedN', { n: selected.size })}
          <span className="muted small">{t('queue.bulkHint')}</span>
        </div>
      )}
      <Alert>{error}</Alert>
      {items === null ? (
        <p className="loading" role="status">
          {t('common.loading')}
        </p>
      ) : items.length === 0 ? (
        <p className="empty" data-testid="queue-empty">
          {t('queue.empty')}
        </p>
      ) : (
        <ul className="case-list" data-testid="queue">
          {items.map((c) => (
            <CaseRow
              key={String(c.id)}
              c={c}
              cats={cats}
              selectable={view === 'triage'}
              checked={selected.has(String(c.id))}
              onCheck={(v) =>
                setSelected((s) => {
                  const n = new Set(s);
                  if (v) n.add(String(c.id));
                  else n.delete(String(c.id));
                  return n;
                })
              }
            />
          ))}
        </ul>
      )}
      {next && (
        <button type="button" className="btn btn-secondary" onClick={() => void more()}>
          {t('queue.more')}
        </button>
      )}
    </div>
  );
}
