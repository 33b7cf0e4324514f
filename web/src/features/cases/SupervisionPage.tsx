/**
 * Supervision tickets (督办单) at my level: the SLA scheduler opens one at the centre above when a
 * case runs overdue or is returned too often. The centre's operators (and supervisors) see them,
 * follow the case, and close the ticket with a note saying what was done.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { errorText } from '../../api/errors';
import { useAuth } from '../../app/auth';
import { Alert, StateBadge, Tabs, fmtTime } from '../shared/ui';
import { closeTicket, listTickets, type SupervisionTicket } from './api';

type Tab = 'open' | 'closed';

export default function SupervisionPage() {
  const { t, i18n } = useTranslation();
  const { active } = useAuth();
  const [tab, setTab] = useState<Tab>('open');
  const [items, setItems] = useState<SupervisionTicket[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [closing, setClosing] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let alive = true;
    setItems(null);
    setError(null);
    listTickets({ open: tab === 'open', ...(active?.regionCode ? { region: active.regionCode } : {}) })
      .then((xs) => alive && setItems(xs))
      .catch((e) => alive && (setItems([]), setError(errorText(t, e))));
    return () => {
      alive = false;
    };
  }, [tab, active?.regionCode, reload, t]);

  async function submit(e: FormEvent, id: number) {
    e.preventDefault();
    setError(null);
    try {
      await closeTicket(id, note.trim());
      setNotice(t('supervision.closed'));
      setClosing(null);
      setNote('');
      setReload((n) => n + 1);
    } catch (err) {
      setError(errorText(t, err));
    }
  }

  return (
    <div className="page">
      <h1>{t('supervision.title')}</h1>
      <p className="muted elder-hide">{t('supervision.intro', { region: active?.regionName ?? active?.regionCode ?? '' })}</p>
      <Tabs label={t('supervision.title')} value={tab} onChange={setTab} tabs={(['open', 'closed'] as const).map((id) => ({ id, label: t(`supervision.tab.${id}`) }))} />
      <Alert>{error}</Alert>
      <Alert tone="success">{notice}</Alert>
      {items === null ? (
        <p className="loading" role="status">{t('common.loading')}</p>
      ) : items.length === 0 ? (
        <p className="empty" data-testid="tickets-empty">{t('supervision.empty')}</p>
      ) : (
        <ul className="case-list" data-testid="tickets">
          {items.map((k) => (
            <li key={k.id} className="case-row ticket" data-testid="ticket">
              <div className="case-link">
                <div className="case-line1">
                  <span className="badge overdue">{t(`supervision.kind.${k.kind}`, { defaultValue: k.kind })}</span>
                  <Link to={`/cases/${k.caseId}`}>{k.casePublicId}</Link>
                  <StateBadge state={k.caseState} />
                </div>
                <div className="case-line2">{k.reason}</div>
                <div className="case-line3 muted small">
                  <span>{k.region.name}</span>
                  <span>{t('supervision.openedAt', { at: fmtTime(k.openedAt, i18n.language) })}</span>
                  {k.closedAt && <span>{t('supervision.closedAt', { at: fmtTime(k.closedAt, i18n.language) })}</span>}
                </div>
                {k.closingNote && <p className="small">{t('supervision.note')}: {k.closingNote}</p>}
                {k.open &&
                  (closing === k.id ? (
                    <form className="stack" onSubmit={(e) => void submit(e, k.id)}>
                      <div className="field">
                        <label htmlFor={`tn-${k.id}`}>{t('supervision.noteLabel')}</label>
                        <textarea id={`tn-${k.id}`} value={note} onChange={(e) => setNote(e.target.value)} minLength={2} maxLength={2000} required rows={3} />
                      </div>
                      <div className="row gap">
                        <button type="submit" className="btn btn-primary btn-sm">{t('supervision.close')}</button>
                        <button type="button" className="btn btn-ghost btn-sm" onClick={() => setClosing(null)}>{t('common.cancel')}</button>
                      </div>
                    </form>
                  ) : (
                    <div>
                      <button type="button" className="btn btn-secondary btn-sm" onClick={() => (setClosing(k.id), setNote(''), setNotice(null))} aria-label={t('supervision.closeOne', { id: k.casePublicId })}>
                        {t('supervision.close')}
                      </button>
                    </div>
                  ))}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
