import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { errorText } from '../../api/errors';
import { Alert } from '../shared/ui';
import { CaseRow } from './CaseCard';
import { listCases, type CaseSummary } from './api';

/** The resident's own reports (and those merged into others, which they still follow). */
export default function MyReportsPage() {
  const { t } = useTranslation();
  const [items, setItems] = useState<CaseSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void listCases({ mine: true, limit: 50 })
      .then((p) => setItems(p.items))
      .catch((e) => (setItems([]), setError(errorText(t, e))));
  }, [t]);
  return (
    <div className="page narrow">
      <div className="page-head">
        <h1>{t('my.title')}</h1>
        <Link to="/report" className="btn btn-primary">
          {t('my.new')}
        </Link>
      </div>
      <Alert>{error}</Alert>
      {items === null ? (
        <p role="status">{t('common.loading')}</p>
      ) : items.length === 0 ? (
        <p className="empty">{t('my.empty')}</p>
      ) : (
        <ul className="case-list" data-testid="my-reports">
          {items.map((c) => (
            <CaseRow key={String(c.id)} c={c} />
          ))}
        </ul>
      )}
    </div>
  );
}
