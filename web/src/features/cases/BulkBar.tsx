/**
 * Bulk triage (批量处理) for the operator's queue: the selected cases get one step (accept,
 * dispatch to a department, set the response level) through POST /api/cases/bulk. Each case
 * succeeds or fails on its own; the result list says which, and why a case failed.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { errorText } from '../../api/errors';
import { listDepartments, type Department } from '../identity/api';
import { Alert, StateBadge } from '../shared/ui';
import { bulkAction, type BulkAction, type BulkResult, type CaseSummary } from './api';

export function BulkBar({ selected, cases, onDone, onClear }: { selected: Set<string>; cases: CaseSummary[]; onDone: () => void; onClear: () => void }) {
  const { t } = useTranslation();
  const [action, setAction] = useState<BulkAction>('accept');
  const [dept, setDept] = useState('');
  const [level, setLevel] = useState('');
  const [depts, setDepts] = useState<Department[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [results, setResults] = useState<{ items: BulkResult[]; byId: Map<number, CaseSummary> } | null>(null);
  useEffect(() => {
    void listDepartments()
      .then(setDepts)
      .catch(() => undefined);
  }, []);

  async function run(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (action === 'dispatch' && !dept) return setError(t('bulk.needDept'));
    if (action === 'classify' && !level) return setError(t('bulk.needLevel'));
    const ids = [...selected].map(Number);
    const body: Record<string, unknown> = {
      ...(action === 'dispatch' ? { leadDepartmentId: Number(dept) } : {}),
      ...(level ? { responseLevel: Number(level) } : {}),
    };
    setBusy(true);
    try {
      const byId = new Map(cases.filter((c) => selected.has(String(c.id))).map((c) => [Number(c.id), c]));
      const r = await bulkAction(action, ids, body);
      setResults({ items: r.results, byId });
      onDone();
    } catch (err) {
      setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }

  const okN = results?.items.filter((r) => r.ok).length ?? 0;
  return (
    <>
      {selected.size > 0 && (
        <form className="bulkbar" role="region" aria-label={t('queue.bulk')} onSubmit={run} data-testid="bulkbar">
          <strong>{t('queue.selectedN', { n: selected.size })}</strong>
          <label>
            <span className="sr-only">{t('bulk.action')}</span>
            <select value={action} onChange={(e) => setAction(e.target.value as BulkAction)} data-testid="bulk-action" aria-label={t('bulk.action')}>
              <option value="accept">{t('bulk.accept')}</option>
              <option value="dispatch">{t('bulk.dispatch')}</option>
              <option value="classify">{t('bulk.classify')}</option>
            </select>
          </label>
          {action === 'dispatch' && (
            <label>
              <span className="sr-only">{t('fields.leadDepartmentId')}</span>
              <select value={dept} onChange={(e) => setDept(e.target.value)} data-testid="bulk-dept" aria-label={t('fields.leadDepartmentId')}>
                <option value="">{t('bulk.chooseDept')}</option>
                {depts.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            <span className="sr-only">{t('fields.responseLevel')}</span>
            <select value={level} onChange={(e) => setLevel(e.target.value)} data-testid="bulk-level" aria-label={t('fields.responseLevel')}>
              <option value="">{action === 'classify' ? t('bulk.chooseLevel') : t('bulk.keepLevel')}</option>
              {['1', '2', '3'].map((l) => (
                <option key={l} value={l}>
                  {t('case.levelN', { n: l })}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="btn btn-primary btn-sm" disabled={busy} data-testid="bulk-run">
            {busy ? t('common.working') : t('bulk.run', { n: selected.size })}
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClear}>
            {t('bulk.clear')}
          </button>
        </form>
      )}
      <Alert>{error}</Alert>
      {results && (
        <section className="card bulk-results" aria-labelledby="br-h" data-testid="bulk-results">
          <div className="page-head">
            <h2 id="br-h">{t('bulk.resultTitle', { ok: okN, failed: results.items.length - okN })}</h2>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => setResults(null)}>
              {t('common.dismiss')}
            </button>
          </div>
          <ul className="plain bulk-list">
            {results.items.map((r) => {
              const c = results.byId.get(r.id);
              const name = r.ok ? r.publicId : c?.publicId ?? `#${r.id}`;
              return (
                <li key={r.id} data-testid="bulk-result" data-ok={r.ok ? 'true' : 'false'}>
                  <Link to={`/cases/${r.id}`}>{name}</Link>{' '}
                  {r.ok ? (
                    <>
                      <span className="badge ok">{t('bulk.ok')}</span> <StateBadge state={r.state} />
                    </>
                  ) : (
                    <>
                      <span className="badge overdue">{t('bulk.failed')}</span> {t(`errors.${r.error.code}`, { defaultValue: r.error.message })}
                      {r.error.details?.state && (
                        <span className="muted small">
                          {' '}
                          · {t('bulk.stateNow')} <StateBadge state={r.error.details.state} />
                        </span>
                      )}
                      <span className="muted small elder-hide" lang="en">
                        {' '}
                        ({r.error.message})
                      </span>
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </>
  );
}
