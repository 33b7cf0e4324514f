/**
 * Administration: region import (with the crs choice and the import report), the case taxonomy
 * and its deadlines, routing rules, departments, the working-day calendar, users and grants, API
 * keys, the demo mailbox.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { useAuth } from '../../app/auth';
import { createApiKey, createUser, listApiKeys, listUsers, revokeApiKey, type AdminUser, type ApiKey, type Role } from '../identity/api';
import { importRegions, type ImportReport } from '../regions/api';
import { listMailbox, type MailboxItem } from '../notifications/api';
import { ApiError } from '../../api/client';
import { Alert, Tabs, fmtTime } from '../shared/ui';
import { CalendarAdmin } from './CalendarAdmin';
import { CategoriesAdmin } from './CategoriesAdmin';
import { DepartmentsAdmin } from './DepartmentsAdmin';
import { RoutingAdmin } from './RoutingAdmin';

const TABS = ['regions', 'categories', 'routing', 'departments', 'calendar', 'users', 'keys', 'mailbox'] as const;
type Tab = (typeof TABS)[number];
const ROLES: Role[] = ['resident', 'grid_worker', 'operator', 'handler', 'mediator', 'supervisor', 'volunteer_admin', 'analyst', 'admin'];

export default function AdminPage() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>('regions');
  return (
    <div className="page">
      <h1>{t('admin.title')}</h1>
      <Tabs label={t('admin.title')} value={tab} onChange={setTab} tabs={TABS.map((id) => ({ id, label: t(`admin.tab.${id}`) }))} />
      {tab === 'regions' && <RegionImport />}
      {tab === 'categories' && <CategoriesAdmin />}
      {tab === 'routing' && <RoutingAdmin />}
      {tab === 'departments' && <DepartmentsAdmin />}
      {tab === 'calendar' && <CalendarAdmin />}
      {tab === 'users' && <Users />}
      {tab === 'keys' && <Keys />}
      {tab === 'mailbox' && <Mailbox />}
    </div>
  );
}

function RegionImport() {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [crs, setCrs] = useState('wgs84');
  const [level, setLevel] = useState('');
  const [parent, setParent] = useState('');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return setError(t('admin.needFile'));
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await importRegions(file, { crs, ...(level ? { level } : {}), ...(parent ? { parent } : {}) }));
    } catch (err) {
      setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card stack" aria-labelledby="imp-h">
      <h2 id="imp-h">{t('admin.importTitle')}</h2>
      <p className="muted small">{t('admin.importHint')}</p>
      <form onSubmit={submit} className="form-grid">
        <div className="field">
          <label htmlFor="imp-file">{t('admin.file')}</label>
          <input id="imp-file" type="file" accept=".geojson,.json,.zip,.shp,.csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </div>
        <div className="field">
          <label htmlFor="imp-crs">{t('admin.crs')}</label>
          <select id="imp-crs" value={crs} onChange={(e) => setCrs(e.target.value)}>
            {['wgs84', 'cgcs2000', 'gcj02', 'bd09'].map((c) => (
              <option key={c} value={c}>
                {t(`crs.${c}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="imp-level">{t('admin.level')}</label>
          <select id="imp-level" value={level} onChange={(e) => setLevel(e.target.value)}>
            <option value="">{t('admin.levelFromFile')}</option>
            {['city', 'district', 'street', 'community', 'grid', 'microgrid'].map((l) => (
              <option key={l} value={l}>
                {t(`levels.${l}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="imp-parent">{t('admin.parent')}</label>
          <input id="imp-parent" value={parent} onChange={(e) => setParent(e.target.value)} inputMode="numeric" />
        </div>
        <div>
          <button className="btn btn-primary" disabled={busy} type="submit">
            {busy ? t('common.working') : t('admin.import')}
          </button>
        </div>
      </form>
      <Alert>{error}</Alert>
      {report && (
        <div className="import-report" data-testid="import-report">
          <h3>{t('admin.report')}</h3>
          <ul className="stat-row">
            <li>{t('admin.created', { n: report.created })}</li>
            <li>{t('admin.updated', { n: report.updated })}</li>
            <li>{t('admin.repaired', { n: report.repaired })}</li>
            <li>{t('admin.rejected', { n: report.rejected })}</li>
          </ul>
          {report.problems.length > 0 && (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('admin.feature')}</th>
                  <th scope="col">{t('admin.problem')}</th>
                  <th scope="col">{t('admin.outcome')}</th>
                </tr>
              </thead>
              <tbody>
                {report.problems.map((r, i) => (
                  <tr key={i}>
                    <td>{r.feature}</td>
                    <td>{r.problem}</td>
                    <td>{t(`admin.action.${r.action}`, { defaultValue: r.action })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}

function Users() {
  const { t } = useTranslation();
  const { active } = useAuth();
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [q, setQ] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ name: '', phone: '', password: '', role: 'resident' as Role, regionCode: active?.regionCode ?? '' });
  const reload = () => void listUsers(q).then(setUsers).catch((e) => setError(errorText(t, e)));
  useEffect(reload, [q]); // eslint-disable-line react-hooks/exhaustive-deps
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await createUser({ name: form.name, phone: form.phone, password: form.password, grants: [{ role: form.role, regionCode: form.regionCode }] });
      setForm((f) => ({ ...f, name: '', phone: '', password: '' }));
      reload();
    } catch (err) {
      setError(errorText(t, err));
    }
  }
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  return (
    <div className="stack">
      <section className="card" aria-labelledby="nu-h">
        <h2 id="nu-h">{t('admin.newUser')}</h2>
        <form className="form-grid" onSubmit={submit}>
          <div className="field"><label htmlFor="nu-name">{t('admin.name')}</label><input id="nu-name" value={form.name} onChange={set('name')} required /></div>
          <div className="field"><label htmlFor="nu-phone">{t('login.phone')}</label><input id="nu-phone" value={form.phone} onChange={set('phone')} inputMode="numeric" required /></div>
          <div className="field"><label htmlFor="nu-pw">{t('login.password')}</label><input id="nu-pw" type="password" value={form.password} onChange={set('password')} autoComplete="new-password" required /></div>
          <div className="field">
            <label htmlFor="nu-role">{t('admin.role')}</label>
            <select id="nu-role" value={form.role} onChange={set('role')}>
              {ROLES.map((r) => <option key={r} value={r}>{t(`roles.${r}`)}</option>)}
            </select>
          </div>
          <div className="field"><label htmlFor="nu-region">{t('admin.regionCode')}</label><input id="nu-region" value={form.regionCode} onChange={set('regionCode')} inputMode="numeric" required /></div>
          <div><button type="submit" className="btn btn-primary">{t('admin.create')}</button></div>
        </form>
        <Alert>{error}</Alert>
      </section>
      <section className="card" aria-labelledby="ul-h">
        <div className="page-head">
          <h2 id="ul-h">{t('admin.users')}</h2>
          <label className="inline"><span className="sr-only">{t('queue.search')}</span><input type="search" placeholder={t('queue.search')} value={q} onChange={(e) => setQ(e.target.value)} /></label>
        </div>
        <div className="table-wrap">
          <table className="table">
            <thead><tr><th scope="col">{t('admin.name')}</th><th scope="col">{t('login.phone')}</th><th scope="col">{t('admin.grants')}</th></tr></thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.phone}</td>
                  <td>{(u.grants ?? []).map((g, i) => <span key={i} className="chip">{t(`roles.${g.role}`)} · {g.regionName ?? g.regionCode}</span>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

function Keys() {
  const { t, i18n } = useTranslation();
  const { active } = useAuth();
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [shown, setShown] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () => void listApiKeys().then(setKeys).catch((e) => setError(errorText(t, e)));
  useEffect(reload, []); // eslint-disable-line react-hooks/exhaustive-deps
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const k = await createApiKey({ name, grants: [{ role, regionCode: active?.regionCode ?? '' }] });
      setShown(k.key);
      setName('');
      reload();
    } catch (err) {
      setError(errorText(t, err));
    }
  }
  return (
    <div className="stack">
      <section className="card" aria-labelledby="nk-h">
        <h2 id="nk-h">{t('admin.newKey')}</h2>
        <form className="form-grid" onSubmit={submit}>
          <div className="field"><label htmlFor="nk-name">{t('admin.keyName')}</label><input id="nk-name" value={name} onChange={(e) => setName(e.target.value)} required /></div>
          <div className="field">
            <label htmlFor="nk-role">{t('admin.role')}</label>
            <select id="nk-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => <option key={r} value={r}>{t(`roles.${r}`)}</option>)}
            </select>
          </div>
          <div><button type="submit" className="btn btn-primary">{t('admin.create')}</button></div>
        </form>
        {shown && (
          <div className="alert alert-success" role="status">
            <p>{t('admin.keyOnce')}</p>
            <code className="secret">{shown}</code>
          </div>
        )}
        <Alert>{error}</Alert>
      </section>
      <section className="card" aria-labelledby="kl-h">
        <h2 id="kl-h">{t('admin.keys')}</h2>
        <div className="table-wrap">
          <table className="table">
            <thead><tr><th scope="col">{t('admin.keyName')}</th><th scope="col">{t('admin.prefix')}</th><th scope="col">{t('admin.lastUsed')}</th><th scope="col"><span className="sr-only">{t('admin.revoke')}</span></th></tr></thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td><code>{k.prefix}</code></td>
                  <td>{fmtTime(k.lastUsedAt, i18n.language) || '—'}</td>
                  <td>{k.revokedAt ? <span className="muted">{t('admin.revoked')}</span> : <button type="button" className="btn btn-ghost btn-sm" onClick={() => void revokeApiKey(k.id).then(reload)}>{t('admin.revoke')}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

/** The SMS and e-mail the platform would have sent: only in demo mode, where no gateway is set. */
function Mailbox() {
  const { t, i18n } = useTranslation();
  const [items, setItems] = useState<MailboxItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listMailbox()
      .then(setItems)
      .catch((e) => setError(e instanceof ApiError && e.status === 404 ? t('admin.mailbox.demoOnly') : errorText(t, e)));
  }, [t]);
  return (
    <section className="card" aria-labelledby="mb-h">
      <h2 id="mb-h">{t('admin.mailbox.title')}</h2>
      <p className="muted">{t('admin.mailbox.hint')}</p>
      <Alert>{error}</Alert>
      {items && items.length === 0 && <p>{t('admin.mailbox.empty')}</p>}
      {items && items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('admin.mailbox.at')}</th>
                <th scope="col">{t('admin.mailbox.channel')}</th>
                <th scope="col">{t('admin.mailbox.recipient')}</th>
                <th scope="col">{t('admin.mailbox.body')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id}>
                  <td>{fmtTime(m.createdAt, i18n.language)}</td>
                  <td>{t(`admin.mailbox.${m.channel}`)}</td>
                  <td>{m.recipient}</td>
                  <td>{m.subject ? <strong>{m.subject} </strong> : null}{m.body}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
