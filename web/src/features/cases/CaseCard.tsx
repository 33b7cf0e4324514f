import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Countdown, StateBadge, fmtTime } from '../shared/ui';
import { categoryLabel, currentDeadline, type CaseSummary, type Category } from './api';

export function CaseRow({ c, cats, selectable, checked, onCheck }: { c: CaseSummary; cats?: Map<string, Category>; selectable?: boolean; checked?: boolean; onCheck?: (v: boolean) => void }) {
  const { t, i18n } = useTranslation();
  const dl = currentDeadline(c);
  return (
    <li className="case-row" data-testid="case-row" data-case-id={String(c.id)}>
      {selectable && (
        <label className="case-check">
          <input type="checkbox" checked={!!checked} onChange={(e) => onCheck?.(e.target.checked)} />
          <span className="sr-only">{t('queue.select', { id: c.publicId ?? c.id })}</span>
        </label>
      )}
      <Link to={`/cases/${c.id}`} className="case-link">
        <div className="case-line1">
          <StateBadge state={c.state} />
          <strong>{categoryLabel(c, i18n.language, cats)}</strong>
          {c.responseLevel && <span className={`level level-${c.responseLevel}`}>{t('case.levelN', { n: c.responseLevel })}</span>}
          {c.outOfRegion && <span className="badge warn">{t('case.outOfRegion')}</span>}
          {c.overdue && <span className="badge overdue">{t('case.overdue')}</span>}
        </div>
        <div className="case-line2">{c.description?.slice(0, 120)}</div>
        <div className="case-line3 muted small">
          <span>{c.publicId ?? `#${c.id}`}</span>
          {c.address && <span>{c.address}</span>}
          <span>{fmtTime(c.reportedAt, i18n.language)}</span>
          {dl && <Countdown due={dl.due} label={t(`sla.step.${dl.step}`)} />}
        </div>
      </Link>
    </li>
  );
}
