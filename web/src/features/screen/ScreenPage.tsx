/**
 * 一网统管大屏: the command-centre screen for one region. Dark, full-screen, laid out for a
 * 1920×1080 wall and still readable on a laptop. The map is the region's sub-units (no basemap
 * needed), coloured by open load or by overdue share; clicking one drills down, the breadcrumb
 * goes back. Figures come from the cases module's KPI endpoints; where one is missing the tile
 * shows a dash, never a made-up number.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type L from 'leaflet';
import { subscribe } from '../../api/events';
import { errorText } from '../../api/errors';
import { useAuth } from '../../app/auth';
import { PrefSwitches } from '../../app/Shell';
import { loadScale } from '../../theme/tokens';
import {
  kpiByDepartment,
  kpiByRegion,
  kpiSummary,
  kpiTrend,
  listCases,
  pointOf,
  isOpen,
  type CaseSummary,
  type KpiRow,
  type KpiSummary,
  type TrendPoint,
} from '../cases/api';
import { getRegion, listRegions, regionGeojson, type Region, type RegionCollection } from '../regions/api';
import { EChart, type ChartOption } from '../shared/EChart';
import { MapView, type MapMarker } from '../shared/MapView';

type Metric = 'open' | 'overdueShare';

interface Crumb {
  code: string;
  name: string;
}

function useClock(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v <= 1 ? v * 100 : v).toFixed(1)}%`);
const num = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toLocaleString());

export default function ScreenPage() {
  const { t, i18n } = useTranslation();
  const params = useParams();
  const navigate = useNavigate();
  const { active } = useAuth();
  const [code, setCode] = useState<string | null>(params.code ?? active?.regionCode ?? null);
  const [region, setRegion] = useState<Region | null>(null);
  const [crumbs, setCrumbs] = useState<Crumb[]>([]);
  const [shapes, setShapes] = useState<RegionCollection | null>(null);
  const [summary, setSummary] = useState<KpiSummary | null>(null);
  const [byRegion, setByRegion] = useState<KpiRow[] | null>(null);
  const [byDept, setByDept] = useState<KpiRow[] | null>(null);
  const [trend, setTrend] = useState<TrendPoint[] | null>(null);
  const [cases, setCases] = useState<CaseSummary[]>([]);
  const [casesTruncated, setCasesTruncated] = useState(false);
  const [live, setLive] = useState<Array<{ id: string; at: Date; text: string; lng?: number; lat?: number }>>([]);
  const [liveStatus, setLiveStatus] = useState<'live' | 'unavailable' | 'connecting'>('connecting');
  const [metric, setMetric] = useState<Metric>('open');
  const [error, setError] = useState<string | null>(null);
  const now = useClock();

  // Without a code: the actor's own region, or the first root unit.
  useEffect(() => {
    if (params.code) setCode(params.code);
    else if (active?.regionCode) setCode(active.regionCode);
    else
      void listRegions()
        .then((rs) => rs[0] && setCode(rs[0].code))
        .catch((e) => setError(errorText(t, e)));
  }, [params.code, active?.regionCode, t]);

  useEffect(() => {
    if (!code) return;
    let alive = true;
    setError(null);
    // Drop the previous region's shapes, or the map would fit itself to them.
    setShapes(null);
    setByRegion(null);
    void (async () => {
      try {
        const r = await getRegion(code);
        if (!alive) return;
        setRegion(r);
        setCrumbs(breadcrumb(r));
      } catch (e) {
        if (alive) setError(errorText(t, e));
      }
    })();
    void regionGeojson(code, 1, 0.0005)
      .then((g) => alive && setShapes(g))
      .catch(() => alive && setShapes(null));
    void kpiSummary(code).then((v) => alive && setSummary(v));
    void kpiByRegion(code).then((v) => alive && setByRegion(v));
    void kpiByDepartment(code).then((v) => alive && setByDept(v));
    void kpiTrend(code).then((v) => alive && setTrend(v));
    void listCases({ regionCode: code, limit: 200 })
      .then((p) => alive && (setCases(p.items), setCasesTruncated(!!p.next)))
      .catch(() => alive && setCases([]));
    return () => {
      alive = false;
    };
  }, [code, t]);

  // Live case markers: the hook is ready for the cases module's event stream.
  useEffect(() => {
    const sub = subscribe(
      (e) => {
        // A case event: { event: 'case.accepted', caseId, publicId, state, regionPath, lng, lat, … }.
        const d = (e.data ?? {}) as Record<string, unknown>;
        const lng = typeof d.lng === 'number' ? d.lng : null;
        const lat = typeof d.lat === 'number' ? d.lat : null;
        const p = lng !== null && lat !== null ? pointOf({ location: { lng, lat } }) : null;
        const name = typeof d.event === 'string' ? d.event : e.type;
        setLive((xs) =>
          [{ id: `${String(d.caseId ?? Math.random())}-${Date.now()}`, at: new Date(), text: `${String(d.publicId ?? '')} ${t(`live.${name}`, { defaultValue: name })}`.trim(), ...(p ?? {}) }, ...xs].slice(0, 30),
        );
        if (code) void kpiSummary(code).then(setSummary);
      },
      { onStatus: setLiveStatus },
    );
    return () => sub.close();
  }, [code]);

  const drill = useCallback(
    (f: GeoJSON.Feature) => {
      const c = (f.properties as { code?: string } | null)?.code;
      if (c && c !== code) navigate(`/screen/${c}`);
    },
    [code, navigate],
  );

  const childShapes = useMemo<GeoJSON.FeatureCollection | null>(() => {
    if (!shapes) return null;
    const kids = shapes.features.filter((f) => f.properties?.code !== code);
    return { type: 'FeatureCollection', features: (kids.length > 0 ? kids : shapes.features) as GeoJSON.Feature[] };
  }, [shapes, code]);

  const loadByCode = useMemo(() => {
    const m = new Map<string, number>();
    for (const r of byRegion ?? []) {
      const open = Number(r.open ?? 0);
      m.set(r.code, metric === 'open' ? open : open > 0 ? r.overdue / open : 0);
    }
    return m;
  }, [byRegion, metric]);
  const maxLoad = Math.max(0, ...loadByCode.values());

  const style = useCallback(
    (f: GeoJSON.Feature): L.PathOptions => {
      const c = (f.properties as { code?: string })?.code ?? '';
      const v = loadByCode.get(c);
      const cls = v === undefined || maxLoad === 0 ? 0 : Math.min(loadScale.length - 1, Math.floor((v / maxLoad) * (loadScale.length - 1)));
      return { color: '#7fc4ff', weight: 1.2, fillColor: loadScale[cls], fillOpacity: v === undefined ? 0.35 : 0.7, className: `region region-${c}` };
    },
    [loadByCode, maxLoad],
  );

  const markers = useMemo<MapMarker[]>(() => {
    const out: MapMarker[] = [];
    for (const c of cases) {
      const p = pointOf(c);
      if (p && isOpen(c.state)) out.push({ id: c.id, ...p, tone: c.overdue ? 'danger' : 'normal', label: c.publicId ?? String(c.id) });
    }
    for (const l of live) if (l.lng !== undefined && l.lat !== undefined) out.push({ id: l.id, lng: l.lng, lat: l.lat, tone: 'new', label: l.text });
    return out;
  }, [cases, live]);

  const rankOption = useMemo<ChartOption | null>(() => {
    if (!byRegion || byRegion.length === 0) return null;
    const rows = [...byRegion].sort((a, b) => b.open - a.open || b.intake - a.intake).slice(0, 10).reverse();
    return barOption(rows.map((r) => r.name), rows.map((r) => r.open), '#4fb3ff');
  }, [byRegion]);

  const deptOption = useMemo<ChartOption | null>(() => {
    if (!byDept || byDept.length === 0) return null;
    const rows = [...byDept].filter((r) => r.intake > 0 || r.open > 0).sort((a, b) => (b.onTimeRate ?? -1) - (a.onTimeRate ?? -1)).slice(0, 8).reverse();
    if (rows.length === 0) return null;
    return barOption(rows.map((r) => r.name), rows.map((r) => (r.onTimeRate === null ? 0 : Math.round(r.onTimeRate * 1000) / 10)), '#4ade80', '%');
  }, [byDept]);

  const trendOption = useMemo<ChartOption | null>(() => {
    if (!trend || trend.length === 0) return null;
    return {
      textStyle: { color: '#9fb3cc' },
      grid: { left: 36, right: 12, top: 28, bottom: 24 },
      legend: { data: [t('screen.intake')], textStyle: { color: '#e6eef8' }, top: 0 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: trend.map((p) => p.day.slice(5)), axisLine: { lineStyle: { color: '#24456f' } } },
      yAxis: { type: 'value', splitLine: { lineStyle: { color: '#13294a' } } },
      series: [
        { name: t('screen.intake'), type: 'line', smooth: true, data: trend.map((p) => p.intake), itemStyle: { color: '#ffc640' }, areaStyle: { opacity: 0.15 } },
      ],
    };
  }, [trend, t]);

  // Until the cases module serves KPIs, the counts come from the cases in view (rates stay dashes).
  const counted = useMemo<KpiSummary>(() => {
    const day = (d: Date) => d.toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
    const today = day(new Date());
    const open = cases.filter((c) => isOpen(c.state));
    return {
      open: open.length,
      overdue: open.filter((c) => c.overdue).length,
      intakeToday: cases.filter((c) => c.reportedAt && day(new Date(c.reportedAt)) === today).length,
    };
  }, [cases]);
  const fig = (k: keyof KpiSummary) => {
    const v = summary?.[k] ?? counted[k];
    return v === undefined || v === null ? '—' : `${num(v)}${!summary && casesTruncated ? '+' : ''}`;
  };
  const tiles: Array<{ key: string; value: string; tone?: string }> = [
    { key: 'intakeToday', value: fig('intakeToday') },
    { key: 'disposalRate', value: pct(summary?.disposalRate), tone: 'good' },
    { key: 'onTimeRate', value: pct(summary?.onTimeRate), tone: 'good' },
    { key: 'satisfaction', value: pct(summary?.satisfactionRate), tone: 'good' },
    { key: 'open', value: fig('open') },
    { key: 'overdue', value: fig('overdue'), tone: 'bad' },
  ];

  const timeFmt = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Asia/Shanghai' });

  return (
    <div className="screen" data-theme="dark" data-testid="screen">
      <header className="screen-head">
        <div className="screen-title">
          <h1>{t('screen.title')}</h1>
          <nav aria-label={t('screen.breadcrumb')} className="crumbs" data-testid="breadcrumb">
            <ol>
              {crumbs.map((c, i) => (
                <li key={c.code}>
                  {i < crumbs.length - 1 ? (
                    <Link to={`/screen/${c.code}`}>{c.name}</Link>
                  ) : (
                    <span aria-current="page" data-testid="screen-region">
                      {c.name}
                    </span>
                  )}
                </li>
              ))}
            </ol>
          </nav>
        </div>
        <div className="screen-tools">
          <time className="screen-clock" dateTime={now.toISOString()}>
            {timeFmt.format(now)}
          </time>
          <PrefSwitches compact />
          <Link to="/" className="btn btn-ghost btn-sm">
            {t('screen.exit')}
          </Link>
        </div>
      </header>
      {error && (
        <p className="alert alert-danger" role="alert">
          {error}
        </p>
      )}
      <section className="kpi-row" aria-label={t('screen.kpis')}>
        {tiles.map((k) => (
          <div key={k.key} className={`kpi-tile ${k.tone ?? ''}`} data-testid={`kpi-${k.key}`}>
            <div className="kpi-label">{t(`kpi.${k.key}`)}</div>
            <div className="kpi-value">{k.value}</div>
          </div>
        ))}
      </section>
      <div className="screen-grid">
        <section className="panel screen-left" aria-labelledby="rank-h">
          <h2 id="rank-h">{t('screen.rankRegions')}</h2>
          {rankOption ? <EChart option={rankOption} ariaLabel={t('screen.rankRegions')} className="chart-md" /> : <Empty />}
          <h2>{t('screen.rankDepartments')}</h2>
          {deptOption ? <EChart option={deptOption} ariaLabel={t('screen.rankDepartments')} className="chart-md" /> : <Empty />}
        </section>
        <section className="panel screen-map" aria-labelledby="map-h">
          <div className="panel-head">
            <h2 id="map-h">
              {region?.name ?? ''} · {t(`levels.${region?.level ?? 'city'}`)}
            </h2>
            <div className="seg" role="radiogroup" aria-label={t('screen.colourBy')}>
              {(['open', 'overdueShare'] as const).map((m) => (
                <button key={m} type="button" role="radio" aria-checked={metric === m} className={metric === m ? 'on' : ''} onClick={() => setMetric(m)}>
                  {t(`screen.metric.${m}`)}
                </button>
              ))}
            </div>
          </div>
          <MapView
            dark
            ariaLabel={t('screen.mapLabel', { name: region?.name ?? '' })}
            shapes={childShapes}
            fitKey={code ?? ''}
            style={style}
            label={(f) => {
              const p = f.properties as { code: string; name: string };
              const v = loadByCode.get(p.code);
              return v === undefined ? p.name : `${p.name} · ${metric === 'open' ? v : pct(v)}`;
            }}
            onShapeClick={drill}
            permanentLabels={(childShapes?.features.length ?? 0) <= 24}
            markers={markers}
            className="map-screen"
          />
          <div className="legend" aria-hidden="true">
            <span>{t('screen.low')}</span>
            {loadScale.map((c) => (
              <i key={c} style={{ background: c }} />
            ))}
            <span>{t('screen.high')}</span>
            <span className="muted">{byRegion ? '' : t('screen.noKpi')}</span>
          </div>
        </section>
        <section className="panel screen-right" aria-labelledby="trend-h">
          <h2 id="trend-h">{t('screen.trend')}</h2>
          {trendOption ? <EChart option={trendOption} ariaLabel={t('screen.trend')} className="chart-md" /> : <Empty />}
          <h2>
            {t('screen.live')} <span className={`live-dot ${liveStatus}`} title={t(`screen.liveStatus.${liveStatus}`)} />
          </h2>
          <ul className="feed" aria-live="polite">
            {live.length === 0 && <li className="muted">{t(`screen.liveStatus.${liveStatus}`)}</li>}
            {live.map((l) => (
              <li key={l.id}>
                <time>{l.at.toLocaleTimeString(i18n.language)}</time> {l.text}
              </li>
            ))}
          </ul>
          <h2>{t('screen.subRegions')}</h2>
          <ul className="sub-list">
            {(childShapes?.features ?? []).slice(0, 12).map((f) => {
              const p = f.properties as { code: string; name: string };
              return (
                <li key={p.code}>
                  <button type="button" className="linklike" onClick={() => drill(f)} data-testid={`sub-${p.code}`}>
                    {p.name}
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      </div>
    </div>
  );
}

function Empty() {
  const { t } = useTranslation();
  return <p className="empty muted">{t('screen.noData')}</p>;
}

function barOption(names: string[], values: number[], color: string, unit = ''): ChartOption {
  return {
    textStyle: { color: '#9fb3cc' },
    grid: { left: 90, right: 24, top: 8, bottom: 20 },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${String(v)}${unit}` },
    xAxis: { type: 'value', splitLine: { lineStyle: { color: '#13294a' } } },
    yAxis: { type: 'category', data: names, axisLabel: { color: '#e6eef8', width: 80, overflow: 'truncate' } },
    series: [{ type: 'bar', data: values, itemStyle: { color, borderRadius: [0, 3, 3, 0] }, barMaxWidth: 14 }],
  };
}

/** The chain city → … → this region (the API gives the parents nearest first). */
function breadcrumb(r: Region): Crumb[] {
  const up = [...(r.parents ?? [])].reverse();
  return [...up.map((a) => ({ code: a.code, name: a.name })), { code: r.code, name: r.name }];
}
