/**
 * The working-day calendar (节假日与调休): a year's public holidays and make-up working days, which
 * every working-hours deadline skips or counts. Add or change a day, remove one, or paste the
 * State Council's list for a year (one line per day) to replace the year at once.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { errorText } from '../../api/errors';
import { Alert } from '../shared/ui';
import { deleteCalendarDay, getCalendar, importCalendar, putCalendarDay, type CalendarYear, type DayKind } from './api';

const thisYear = () => Number(new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' }).slice(0, 4));

/** "2026-10-01 holiday 国庆节" or "2026-10-11,workday,国庆调休" or "2026-10-01 假 国庆节". */
function parseLines(text: string): { days: Array<{ day: string; kind: DayKind; name: string }>; bad: number | null } {
  const days: Array<{ day: string; kind: DayKind; name: string }> = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\d{4}-\d{2}-\d{2})[\s,，\t]+(holiday|workday|假|休|班)[\s,，\t]+(.+)$/.exec(line);
    if (!m) return { days, bad: i + 1 };
    days.push({ day: m[1]!, kind: m[2] === 'workday' || m[2] === '班' ? 'workday' : 'holiday', name: m[3]!.trim() });
  }
  return { days, bad: null };
}

export function CalendarAdmin() {
  const { t, i18n } = useTranslation();
  const [year, setYear] = useState(thisYear);
  const [cal, setCal] = useState<CalendarYear | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [f, setF] = useState<{ day: string; kind: DayKind; name: string }>({ day: '', kind: 'holiday', name: '' });
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [bulk, setBulk] = useState('');
  const reload = (y = year) =>
    getCalendar(y)
      .then(setCal)
      .catch((e) => setError(errorText(t, e)));
  useEffect(() => {
    setCal(null);
    void reload(year);
  }, [year]); // eslint-disable-line react-hooks/exhaustive-deps

  const weekday = useMemo(() => new Intl.DateTimeFormat(i18n.language, { weekday: 'short', timeZone: 'UTC' }), [i18n.language]);
  const wd = (day: string) => weekday.format(new Date(`${day}T00:00:00Z`));

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setNotice(null);
    setFieldError(null);
    try {
      const d = await putCalendarDay(f.day, { kind: f.kind, name: f.name.trim() });
      setNotice(t('calendar.saved', { day: d.day, name: d.name }));
      setF({ day: '', kind: 'holiday', name: '' });
      const y = Number(d.day.slice(0, 4));
      if (y !== year) setYear(y);
      else void reload();
    } catch (err) {
      if (err instanceof ApiError && err.field) setFieldError(err.field);
      // The one refusal a person can fix without reading the field name: a make-up day on a weekday.
      setError(err instanceof ApiError && err.field === 'kind' && f.kind === 'workday' ? `${errorText(t, err)}：${t('calendar.needWeekend')}` : errorText(t, err));
    }
  }
  async function remove(day: string) {
    if (!window.confirm(t('calendar.confirmDelete', { day }))) return;
    setError(null);
    try {
      await deleteCalendarDay(day);
      setNotice(t('calendar.deleted', { day }));
      void reload();
    } catch (err) {
      setError(errorText(t, err));
    }
  }
  async function replaceYear(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setNotice(null);
    const p = parseLines(bulk);
    if (p.bad !== null) return setError(t('calendar.badLine', { n: p.bad }));
    if (!window.confirm(t('calendar.confirmImport', { year, n: p.days.length }))) return;
    try {
      const r = await importCalendar(year, p.days);
      setNotice(t('calendar.imported', { year: r.year, n: r.days.length }));
      setBulk('');
      void reload();
    } catch (err) {
      setError(errorText(t, err));
    }
  }

  return (
    <div className="stack">
      <section className="card" aria-labelledby="cal-h">
        <div className="page-head">
          <h2 id="cal-h">{t('calendar.title', { year })}</h2>
          <div className="row gap" role="group" aria-label={t('calendar.year')}>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => setYear(year - 1)} aria-label={t('calendar.prevYear')}>
              ‹ {year - 1}
            </button>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => setYear(year + 1)} aria-label={t('calendar.nextYear')}>
              {year + 1} ›
            </button>
          </div>
        </div>
        <p className="muted small">
          {t('calendar.hint')}
          {cal && ` ${t('calendar.hours', { hours: cal.workingHours.map((h) => `${h.start}–${h.end}`).join(i18n.language.startsWith('en') ? ', ' : '、') })}`}
        </p>
        <form onSubmit={save} className="form-grid" data-testid="calendar-form">
          <div className="field">
            <label htmlFor="cal-day">{t('calendar.day')}</label>
            <input id="cal-day" type="date" value={f.day} onChange={(e) => setF({ ...f, day: e.target.value })} required aria-invalid={fieldError === 'day'} />
          </div>
          <fieldset className="field">
            <legend>{t('calendar.kind')}</legend>
            <div className="seg">
              {(['holiday', 'workday'] as const).map((k) => (
                <label key={k} className="check">
                  <input type="radio" name="cal-kind" value={k} checked={f.kind === k} onChange={() => setF({ ...f, kind: k })} aria-invalid={fieldError === 'kind'} /> {t(`calendar.kindOpt.${k}`)}
                </label>
              ))}
            </div>
          </fieldset>
          <div className="field">
            <label htmlFor="cal-name">{t('calendar.name')}</label>
            <input id="cal-name" value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required maxLength={100} placeholder={t('calendar.namePlaceholder')} />
          </div>
          <div>
            <button type="submit" className="btn btn-primary">{t('calendar.save')}</button>
          </div>
        </form>
        <Alert>{error}</Alert>
        <Alert tone="success">{notice}</Alert>
        {cal === null ? (
          <p className="loading" role="status">{t('common.loading')}</p>
        ) : cal.days.length === 0 ? (
          <p className="empty">{t('calendar.empty', { year })}</p>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="calendar-table">
              <caption className="sr-only">{t('calendar.title', { year })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('calendar.day')}</th>
                  <th scope="col">{t('calendar.kind')}</th>
                  <th scope="col">{t('calendar.name')}</th>
                  <th scope="col"><span className="sr-only">{t('cats.actions')}</span></th>
                </tr>
              </thead>
              <tbody>
                {cal.days.map((d) => (
                  <tr key={d.day} data-testid="calendar-row" data-day={d.day}>
                    <th scope="row">
                      {d.day} <span className="muted small">{wd(d.day)}</span>
                    </th>
                    <td>
                      <span className={`badge ${d.kind === 'holiday' ? 'state-closed' : 'state-dispatched'}`}>{t(`calendar.kindOpt.${d.kind}`)}</span>
                    </td>
                    <td>{d.name}</td>
                    <td>
                      <button type="button" className="btn btn-ghost btn-sm" onClick={() => void remove(d.day)} aria-label={t('calendar.deleteOne', { day: d.day })}>
                        {t('routing.delete')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="cali-h">
        <h2 id="cali-h">{t('calendar.importTitle', { year })}</h2>
        <form onSubmit={replaceYear} className="stack">
          <div className="field">
            <label htmlFor="cal-bulk">{t('calendar.importLabel')}</label>
            <textarea id="cal-bulk" rows={6} value={bulk} onChange={(e) => setBulk(e.target.value)} placeholder={`${year}-01-01 holiday 元旦\n${year}-02-15 workday 春节调休`} />
            <p className="hint">{t('calendar.importHint')}</p>
          </div>
          <div>
            <button type="submit" className="btn btn-secondary" disabled={!bulk.trim()}>
              {t('calendar.importButton', { year })}
            </button>
          </div>
        </form>
      </section>
    </div>
  );
}
