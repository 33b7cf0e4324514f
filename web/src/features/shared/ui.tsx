import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function StateBadge({ state }: { state: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge state-${state}`} data-testid="state-badge" data-state={state}>
      {t(`states.${state}`, { defaultValue: state })}
    </span>
  );
}

/** SLA countdown: time left until `due`, or how long overdue; refreshes every 30 s. */
export function Countdown({ due, label }: { due: Date; label?: string }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(id);
  }, []);
  const ms = due.getTime() - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const d = Math.floor(h / 24);
  const span = d >= 1 ? t('sla.days', { d, h: h % 24 }) : t('sla.hours', { h, m });
  const tone = ms < 0 ? 'danger' : ms < 4 * 3_600_000 ? 'warn' : 'ok';
  return (
    <span className={`countdown ${tone}`} data-testid="countdown">
      {label ? `${label} · ` : ''}
      {ms < 0 ? t('sla.overdueBy', { span }) : t('sla.left', { span })}
    </span>
  );
}

export function Tabs<T extends string>({ tabs, value, onChange, label }: { tabs: Array<{ id: T; label: string; count?: number }>; value: T; onChange: (v: T) => void; label: string }) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((tab) => (
        <button
          key={tab.id}
          type="button"
          role="tab"
          aria-selected={value === tab.id}
          className={value === tab.id ? 'on' : ''}
          onClick={() => onChange(tab.id)}
          data-testid={`tab-${tab.id}`}
        >
          {tab.label}
          {tab.count !== undefined && <span className="count">{tab.count}</span>}
        </button>
      ))}
    </div>
  );
}

export function Field({ id, label, children, hint }: { id: string; label: string; children: ReactNode; hint?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && <p className="hint">{hint}</p>}
    </div>
  );
}

export function Alert({ tone = 'danger', children }: { tone?: 'danger' | 'success' | 'info'; children: ReactNode }) {
  if (!children) return null;
  return (
    <p className={`alert alert-${tone}`} role={tone === 'danger' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

export function fmtTime(iso: string | undefined | null, lang: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short', timeZone: 'Asia/Shanghai' }).format(d);
}

export function newKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
