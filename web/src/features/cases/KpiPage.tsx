/** The analyst's KPI tables: by sub-region, department, category, channel or period, with CSV/Excel export. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../app/auth';
import { kpiExportUrl, kpiTable, type KpiRow } from './api';

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const BY = ['region', 'department', 'category', 'channel', 'day', 'week', 'month'] as const;
type By = (typeof BY)[number];

const firstOfMonth = () => {
  const d = new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
  return `${d.slice(0, 8)}01`;
};
const today = () => new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });

export default function KpiPage() {
  const { t } = useTranslation();
  const { active } = useAuth();
  const [region, setRegion] = useState(active?.regionCode ?? '');
  const [by, setBy] = useState<By>('region');
  const [from, setFrom] = useState(firstOfMonth);
  const [to, setTo] = useState(today);
  const [rows, setRows] = useState<KpiRow[] | null | undefined>(undefined);
  useEffect(() => {
    if (!/^\d{12}/.test(region)) return;
    setRows(undefined);
    void kpiTable(region, by, { from, to }).then(setRows);
  }, [region, by, from, to]);
  return (
    <div className="page">
      <h1>{t('kpiPage.title')}</h1>
      <div className="card filters" role="group" aria-label={t('kpiPage.filters')}>
        <div className="field">
          <label htmlFor="kpi-region">{t('kpiPage.region')}</label>
          <input id="kpi-region" value={region} onChange={(e) => setRegion(e.target.value.trim())} inputMode="numeric" />
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
        <div className="field">
          <label htmlFor="kpi-from">{t('kpiPage.from')}</label>
          <input id="kpi-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="kpi-to">{t('kpiPage.to')}</label>
          <input id="kpi-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <div className="row gap">
          <a className="btn btn-secondary" href={kpiExportUrl(region, by, 'csv', { from, to })} download>
            {t('kpiPage.csv')}
          </a>
          <a className="btn btn-secondary" href={kpiExportUrl(region, by, 'xlsx', { from, to })} download>
            {t('kpiPage.xlsx')}
          </a>
        </div>
      </div>
      {rows === null && <p className="empty">{t('kpiPage.unavailable')}</p>}
      {rows === undefined && <p className="loading" role="status">{t('common.loading')}</p>}
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
