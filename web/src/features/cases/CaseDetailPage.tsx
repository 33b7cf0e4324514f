/**
 * One case: what, where (map), photos (report / evidence / verification side by side), every
 * clock, the timeline, and the steps this person may take now (from the server's `actions`).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams, useSearchParams } from 'react-router-dom';
import { errorText } from '../../api/errors';
import { locate, regionGeojson, type LocateResult, type RegionCollection } from '../regions/api';
import { MapView } from '../shared/MapView';
import { Alert, Countdown, StateBadge, fmtTime } from '../shared/ui';
import { ActionPanel } from './ActionPanel';
import { categoryLabel, categoryMap, getCase, getTimeline, listCategories, pointOf, type Attachment, type CaseDetail, type CaseSummary, type Category, type TimelineEvent } from './api';

export default function CaseDetailPage() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const { t, i18n } = useTranslation();
  const [c, setC] = useState<CaseDetail | null>(null);
  const [timeline, setTimeline] = useState<TimelineEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [flash, setFlash] = useState<string | null>(params.get('created') ? t('case.created') : null);
  const [cats, setCats] = useState<Category[]>([]);
  // Duplicates the server found when this case was reported (handed over by the report page).
  const createdDups = (useLocation().state as { duplicates?: CaseSummary[] } | null)?.duplicates ?? [];

  const load = useCallback(async () => {
    try {
      // Together, so the page never shows a case with an older timeline.
      const [d, tl] = await Promise.all([getCase(id), getTimeline(id).catch(() => [] as TimelineEvent[])]);
      setC(d);
      setTimeline(tl);
      setError(null);
    } catch (e) {
      setError(errorText(t, e));
    }
  }, [id, t]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    void listCategories().then(setCats).catch(() => setCats([]));
  }, []);
  const catByCode = useMemo(() => categoryMap(cats), [cats]);

  const point = c ? pointOf(c) : null;
  // Where the case is, in words and on the map: the chain of units around its point, and the
  // boundaries of its community (the API gives the case only a region id).
  const [chain, setChain] = useState<LocateResult['chain'] | null>(null);
  const [around, setAround] = useState<RegionCollection | null>(null);
  useEffect(() => {
    if (!point) return;
    let alive = true;
    void locate(point.lng, point.lat, 'wgs84')
      .then((r) => {
        if (!alive) return;
        setChain(r.chain);
        const community = r.chain.find((u) => u.level === 'community') ?? r.chain[0];
        if (community) return regionGeojson(community.code, 1, 0).then((g) => alive && setAround(g));
      })
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, [point?.lng, point?.lat]); // eslint-disable-line react-hooks/exhaustive-deps
  const markers = useMemo(() => (point ? [{ id: 'case', ...point, tone: 'danger' as const }] : []), [point?.lng, point?.lat]); // eslint-disable-line react-hooks/exhaustive-deps

  if (error && !c)
    return (
      <div className="page narrow">
        <Alert>{error}</Alert>
      </div>
    );
  if (!c) return <p className="loading page" role="status">{t('common.loading')}</p>;

  const clocks = clocksOf(c);
  const byKind = (k: string) => (c.attachments ?? []).filter((a) => a.kind === k);

  return (
    <div className="page case-page" data-testid="case-detail" data-case-state={c.state}>
      {flash && (
        <p className="alert alert-success" role="status" data-testid="flash">
          {flash}{' '}
          <button type="button" className="linklike" onClick={() => setFlash(null)}>
            {t('common.dismiss')}
          </button>
        </p>
      )}
      <div className="page-head">
        <div>
          <p className="muted small" data-testid="case-public-id">{c.publicId ?? `#${c.id}`}</p>
          <h1>
            {categoryLabel(c, i18n.language, catByCode)} <StateBadge state={c.state} />
            {c.overdue && <span className="badge overdue">{t('case.overdue')}</span>}
          </h1>
        </div>
      </div>
      <div className="case-grid">
        <div className="stack">
          <section className="card" aria-labelledby="what-h">
            <h2 id="what-h">{t('case.what')}</h2>
            <p className="case-desc">{c.description}</p>
            <dl className="facts">
              {chain && (
                <>
                  <dt>{t('case.region')}</dt>
                  <dd data-testid="case-region">{[...chain].reverse().map((u) => u.name).join(' › ')}</dd>
                </>
              )}
              {c.address && (
                <>
                  <dt>{t('case.address')}</dt>
                  <dd>{c.address}</dd>
                </>
              )}
              <dt>{t('case.reportedAt')}</dt>
              <dd>{fmtTime(c.reportedAt, i18n.language)}</dd>
              {c.responseLevel && (
                <>
                  <dt>{t('fields.responseLevel')}</dt>
                  <dd>{t('case.levelN', { n: c.responseLevel })}</dd>
                </>
              )}
              {c.reporter && !c.reporter.hidden && (
                <>
                  <dt>{t('case.reporter')}</dt>
                  <dd>{c.reporter.anonymous ? t('case.anonymous') : [c.reporter.name, c.reporter.phone].filter(Boolean).join(' ')}</dd>
                </>
              )}
              {c.notAcceptedReason && (
                <>
                  <dt>{t('case.notAcceptedReason')}</dt>
                  <dd>{c.notAcceptedReason}</dd>
                </>
              )}
              {c.handlingSummary && (
                <>
                  <dt>{t('case.handling')}</dt>
                  <dd>{c.handlingSummary}</dd>
                </>
              )}
              {c.satisfaction && (
                <>
                  <dt>{t('fields.satisfaction')}</dt>
                  <dd>
                    {t(`satisfaction.${c.satisfaction}`)}
                    {c.satisfactionComment ? ` · ${c.satisfactionComment}` : ''}
                  </dd>
                </>
              )}
            </dl>
          </section>
          <section className="card" aria-labelledby="act-h">
            <h2 id="act-h">{t('case.actions')}</h2>
            <ActionPanel
              c={c}
              cats={cats}
              onDone={() => {
                setFlash(t('case.stepDone'));
                void load();
              }}
            />
          </section>
          {createdDups.length > 0 && (
            <section className="card dup-card" aria-labelledby="dups-h" data-testid="created-duplicates">
              <h2 id="dups-h">{t('report.duplicatesTitle')}</h2>
              <p className="muted small">{t('case.dupAfter')}</p>
              <ul className="plain">
                {createdDups.map((d, i) => (
                  <li key={i}>
                    <StateBadge state={d.state} /> {d.id ? <Link to={`/cases/${d.id}`}>{d.publicId}</Link> : d.publicId}
                    {d.distanceM !== undefined && <span className="muted small"> · {t('case.metres', { n: Math.round(d.distanceM) })}</span>}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {(c.attachments?.length ?? 0) > 0 && (
            <section className="card" aria-labelledby="ph-h">
              <h2 id="ph-h">{t('case.photos')}</h2>
              <div className="photo-compare">
                {(['report', 'evidence', 'verification'] as const).map((k) =>
                  byKind(k).length ? (
                    <figure key={k}>
                      <figcaption>{t(`case.photoKind.${k}`)}</figcaption>
                      <div className="thumbs">{byKind(k).map((a) => <Photo key={a.id} a={a} caseId={c.id} />)}</div>
                    </figure>
                  ) : null,
                )}
              </div>
            </section>
          )}
        </div>
        <div className="stack">
          {point && (
            <section className="card" aria-labelledby="map-h">
              <h2 id="map-h">{t('case.where')}</h2>
              <MapView
                ariaLabel={t('case.mapLabel')}
                shapes={around}
                fitKey={around ? 'around' : ''}
                label={(f) => String((f.properties as { name?: string })?.name ?? '')}
                style={(f) => ({ color: '#0b4f9c', weight: (f.properties as { level?: string })?.level === 'community' ? 2 : 1, fillOpacity: 0.05, dashArray: (f.properties as { level?: string })?.level === 'community' ? undefined : '4 3' })}
                markers={markers}
                pin={null}
                center={[point.lat, point.lng]}
                className="map-case"
              />
            </section>
          )}
          {clocks.length > 0 && (
            <section className="card" aria-labelledby="clk-h">
              <h2 id="clk-h">{t('case.clocks')}</h2>
              <ul className="clocks">
                {clocks.map((k) => (
                  <li key={k.step}>
                    <span>{t(`sla.step.${k.step}`)}</span>
                    <span className="muted small">{fmtTime(k.due.toISOString(), i18n.language)}</span>
                    {k.active && <Countdown due={k.due} />}
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section className="card" aria-labelledby="tl-h">
            <h2 id="tl-h">{t('case.timeline')}</h2>
            <ol className="timeline" data-testid="timeline">
              {timeline.map((e, i) => (
                <li key={e.id ?? i}>
                  <time>{fmtTime(e.at, i18n.language)}</time>
                  <div>
                    <strong>{t(`events.${e.type}`, { defaultValue: e.type })}</strong>
                    {(e.toState ?? e.state) && <StateBadge state={(e.toState ?? e.state)!} />}
                    {e.actor?.name && <span className="muted small"> · {e.actor.name}</span>}
                    {eventText(e) && eventText(e) !== t(`events.${e.type}`, { defaultValue: e.type }) && <p className="small">{eventText(e)}</p>}
                  </div>
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>
    </div>
  );
}

function Photo({ a, caseId }: { a: Attachment; caseId: string | number }) {
  const { t } = useTranslation();
  const src = a.url ?? `/api/cases/${caseId}/attachments/${a.id}`;
  return (
    <a href={src} target="_blank" rel="noreferrer">
      <img src={src} alt={t(`case.photoKind.${a.kind}`)} loading="lazy" />
    </a>
  );
}

/** A line of text for a timeline event: the public text, or what the step carried (reason, note…). */
function eventText(e: TimelineEvent): string {
  if (e.text) return e.text;
  if (e.publicText) return e.publicText;
  const d = e.data ?? {};
  for (const k of ['reason', 'summary', 'comment', 'note']) if (typeof d[k] === 'string' && d[k]) return d[k] as string;
  return '';
}

function clocksOf(c: CaseDetail): Array<{ step: string; due: Date; active: boolean }> {
  const active = c.state === 'dispatched' ? 'signFor' : c.state === 'signed' || c.state === 'in_progress' ? 'handle' : c.state === 'handled' ? 'verify' : null;
  const out: Array<{ step: string; due: Date; active: boolean }> = [];
  for (const step of ['signFor', 'handle', 'verify'] as const) {
    const v = c.deadlines?.[step]?.dueAt;
    if (!v) continue;
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) out.push({ step, due: d, active: step === active });
  }
  return out;
}
