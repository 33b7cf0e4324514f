/**
 * The analyst's KPIs: a table by sub-region (at a chosen level), department, category or channel,
 * and a trend by day, week or month, over a date window; CSV and Excel export of the table. The
 * figures are the server's (docs/kpi-definitions.md); a rate with no cases is a dash.
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { useAuth } from '../../app/auth';
import { EChart, type ChartOption } from '../shared/EChart';
import { Alert } from '../shared/ui';
import { kpiExportUrl, kpiTableStrict, type KpiRow } from './api';

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const BY = ['region', 'department', 'category', 'channel'] as const;
const PERIODS = ['day', 'week', 'month'] as const;
const LEVELS = ['', 'district', 'street', 'community', 'grid'] as const;
type By = (typeof BY)[number];
type Period = (typeof PERIODS)[number];

const shanghaiDay = (d: Date) => d.toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
const firstOfMonth = () => `${shanghaiDay(new Date()).slice(0, 8)}01`;
const today = () => shanghaiDay(new Date());

export default function KpiPage() {
  const { t } = useTranslation();
  const { active } = useAuth();
  const [region, setRegion] = useState(active?.regionCode ?? '');
  const [by, setBy] = useState<By>('region');
  const [level, setLevel] = useState<(typeof LEVELS)[number]>('');
  const [period, setPeriod] = useState<Period>('day');
  const [from, setFrom] = useState(firstOfMonth);
  const [to, setTo] = useState(today);
  const [rows, setRows] = useState<KpiRow[] | undefined>(undefined);
  const [trend, setTrend] = useState<KpiRow[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const valid = /^\d{12}(\d{3}(\d{2})?)?$/.test(region) && from <= to;
  const win = useMemo(() => ({ from, to, ...(by === 'region' && level ? { level } : {}) }), [from, to, by, level]);

  useEffect(() => {
    if (!valid) return;
    let alive = true;
    setRows(undefined);
    setError(null);
    const h = setTimeout(() => {
      kpiTableStrict(region, by, win)
        .then((r) => alive && setRows(r))
        .catch((e) => alive && (setRows([]), setError(errorText(t, e))));
    }, 250);
    return () => {
      alive = false;
      clearTimeout(h);
    };
  }, [region, by, win, valid, t]);

  useEffect(() => {
    if (!valid) return;
    let alive = true;
    setTrend(undefined);
    const h = setTimeout(() => {
      kpiTableStrict(region, period, { from, to })
        .then((r) => alive && setTrend([...r].sort((a, b) => (a.code < b.code ? -1 : 1))))
        .catch(() => alive && setTrend([]));
    }, 250);
    return () => {
      alive = false;
      clearTimeout(h);
    };
  }, [region, period, from, to, valid]);

  const chart = useMemo<ChartOption>(() => {
    const xs = trend ?? [];
    const rate = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t('kpi.intake'), t('kpi.disposalRate'), t('kpi.onTimeRate')] },
      grid: { left: 40, right: 44, top: 36, bottom: 28, containLabel: true },
      xAxis: { type: 'category', data: xs.map((r) => r.name || r.code) },
      yAxis: [
        { type: 'value', name: t('kpiPage.cases'), minInterval: 1 },
        { type: 'value', name: '%', min: 0, max: 100 },
      ],
      series: [
        { name: t('kpi.intake'), type: 'bar', data: xs.map((r) => r.intake), itemStyle: { color: '#2f6fb3' } },
        { name: t('kpi.disposalRate'), type: 'line', yAxisIndex: 1, connectNulls: true, data: xs.map((r) => rate(r.disposalRate)), itemStyle: { color: '#0f7b53' } },
        { name: t('kpi.onTimeRate'), type: 'line', yAxisIndex: 1, connectNulls: true, data: xs.map((r) => rate(r.onTimeRate)), itemStyle: { color: '#b45309' } },
      ],
    };
  }, [trend, t]);

  return (
    <div className="page">
      <h1>{t('kpiPage.title')}</h1>
      <form className="card filters" role="group" aria-label={t('kpiPage.filters')} onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="kpi-region">{t('kpiPage.region')}</label>
          <input id="kpi-region" value={region} onChange={(e) => setRegion(e.target.value.trim())} inputMode="numeric" aria-invalid={!/^\d{12}/.test(region)} />
        </div>
        <div className="field">
          <label htmlFor="kpi-by">{t('kpiPage.by')}</label>
          <select id="kpi-by" value={by} onChange={(e) => setBy(e.target.value as By)}>
            {BY.map((b) => (
              <option key={b} value={b}>
                {t(`kpiPage.byOpt.${b}`)}
              </option>
            ))}
          </select>
        </div>
        {by === 'region' && (
          <div className="field">
            <label htmlFor="kpi-level">{t('kpiPage.level')}</label>
            <select id="kpi-level" value={level} onChange={(e) => setLevel(e.target.value as (typeof LEVELS)[number])}>
              {LEVELS.map((l) => (
                <option key={l} value={l}>
                  {l ? t(`levels.${l}`) : t('kpiPage.children')}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor="kpi-period">{t('kpiPage.period')}</label>
          <select id="kpi-period" value={period} onChange={(e) => setPeriod(e.target.value as Period)}>
            {PERIODS.map((b) => (
              <option key={b} value={b}>
                {t(`kpiPage.byOpt.${b}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="kpi-from">{t('kpiPage.from')}</label>
          <input id="kpi-from" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="kpi-to">{t('kpiPage.to')}</label>
          <input id="kpi-to" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        </div>
        <div className="row gap">
          <a className="btn btn-secondary" href={kpiExportUrl(region, by, 'csv', win)} download data-testid="kpi-csv">
            {t('kpiPage.csv')}
          </a>
          <a className="btn btn-secondary" href={kpiExportUrl(region, by, 'xlsx', win)} download data-testid="kpi-xlsx">
            {t('kpiPage.xlsx')}
          </a>
        </div>
      </form>
      {!valid && <Alert tone="info">{t('kpiPage.needRegion')}</Alert>}
      <Alert>{error}</Alert>
      <section className="card" aria-labelledby="kpi-trend-h">
        <h2 id="kpi-trend-h">{t('kpiPage.trend', { period: t(`kpiPage.byOpt.${period}`) })}</h2>
        {trend && trend.length === 0 ? <p className="muted">{t('screen.noData')}</p> : <EChart option={chart} className="chart-md" ariaLabel={t('kpiPage.trendLabel')} />}
      </section>
      {rows === undefined && valid && (
        <p className="loading" role="status">
          {t('common.loading')}
        </p>
      )}
      {rows && (
        <div className="table-wrap">
          <table className="table" data-testid="kpi-table">
            <caption className="sr-only">{t('kpiPage.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t(`kpiPage.byOpt.${by}`)}</th>
                <th scope="col">{t('kpi.intake')}</th>
                <th scope="col">{t('kpi.open')}</th>
                <th scope="col">{t('kpi.overdue')}</th>
                <th scope="col">{t('kpi.disposalRate')}</th>
                <th scope="col">{t('kpi.onTimeRate')}</th>
                <th scope="col">{t('kpi.satisfaction')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={7} className="muted">
                    {t('screen.noData')}
                  </td>
                </tr>
              )}
              {rows.map((r) => (
                <tr key={r.code}>
                  <th scope="row">{r.name}</th>
                  <td>{r.intake}</td>
                  <td>{r.open}</td>
                  <td>{r.overdue}</td>
                  <td>{pct(r.disposalRate)}</td>
                  <td>{pct(r.onTimeRate)}</td>
                  <td>{pct(r.satisfactionRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
