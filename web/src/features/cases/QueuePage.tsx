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
import { BulkBar } from './BulkBar';
import { CaseRow } from './CaseCard';
import { OPEN_STATES, categoryMap, listCases, listCategories, type CaseQuery, type CaseSummary, type Category } from './api';

type View = 'triage' | 'inbox' | 'grid' | 'all';

// Each tab is a server-side filter (GET /api/cases), always inside the actor's scope.
const TABS: Record<View, Array<{ id: string; query: CaseQuery }>> = {
  triage: [
    { id: 'new', query: { state: ['reported'] } },
    // The intake's duplicate check found an earlier open case of the same category nearby: merge or go on.
    { id: 'duplicates', query: { state: ['reported', 'accepted'], hasDuplicates: true } },
    // Reported at a point no region covers: the city centre decides where it belongs.
    { id: 'outOfRegion', query: { state: OPEN_STATES, outOfRegion: true } },
    { id: 'toDispatch', query: { state: ['accepted'] } },
    { id: 'returned', query: { state: ['returned'] } },
    { id: 'inProgress', query: { state: ['dispatched', 'signed', 'in_progress', 'handled', 'verified'] } },
    { id: 'closed', query: { state: ['closed'] } },
    { id: 'overdue', query: { overdue: true, state: OPEN_STATES } },
  ],
  inbox: [
    { id: 'toSign', query: { state: ['dispatched'] } },
    { id: 'inProgress', query: { state: ['signed', 'in_progress'] } },
    // Sent back by verification (返工): in progress again, with a rework count.
    { id: 'rework', query: { state: ['signed', 'in_progress'], rework: true } },
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
  const [reloadKey, setReloadKey] = useState(0);

  useEffect(() => setTab(TABS[view][0]!.id), [view]);
  useEffect(() => {
    void listCategories()
      .then((cs) => setCats(categoryMap(cs)))
      .catch(() => undefined);
  }, []);

  const query = useMemo<CaseQuery>(() => {
    const base = tabs.find((x) => x.id === tab)?.query ?? {};
    // A case outside every region has no region chain below the city: filtering by the operator's own region would hide it.
    const byRegion = active?.regionCode && active.role !== 'handler' && active.role !== 'resident' && !base.outOfRegion;
    return { ...base, ...(q.trim() ? { q: q.trim() } : {}), ...(byRegion ? { regionCode: active.regionCode } : {}), limit: 50 };
  }, [tabs, tab, q, active?.regionCode, active?.role, reloadKey]); // eslint-disable-line react-hooks/exhaustive-deps

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
      {view === 'triage' && <BulkBar selected={selected} cases={items ?? []} onDone={() => setReloadKey((k) => k + 1)} onClear={() => setSelected(new Set())} />}
      {view === 'triage' && selected.size === 0 && items && items.length > 0 && <p className="muted small elder-hide">{t('queue.bulkHint')}</p>}
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
        <>
        {view === 'triage' && (
          <label className="check select-all">
            <input
              type="checkbox"
              data-testid="select-all"
              checked={items.length > 0 && items.every((c) => selected.has(String(c.id)))}
              onChange={(e) => setSelected(e.target.checked ? new Set(items.slice(0, 100).map((c) => String(c.id))) : new Set())}
            />{' '}
            {t('queue.selectAll')}
          </label>
        )}
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
        </>
      )}
      {next && (
        <button type="button" className="btn btn-secondary" onClick={() => void more()}>
          {t('queue.more')}
        </button>
      )}
    </div>
  );
}
