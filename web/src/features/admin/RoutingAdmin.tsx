/**
 * Routing rules (派遣规则): which department leads (and which co-handle) a category's cases in a
 * region's subtree. The most specific rule wins (deepest region, minor before major category), so
 * the list shows each rule as "category × region subtree → lead + co-handlers".
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { useAuth } from '../../app/auth';
import { Alert } from '../shared/ui';
import { createRule, deleteRule, listAllCategories, listAllDepartments, listRules, updateRule, type AdminCategory, type AdminDepartment, type Level, type RoutingRule } from './api';

interface Draft {
  categoryCode: string;
  regionCode: string;
  leadDepartmentId: string;
  coDepartmentIds: string[];
  responseLevel: string;
  note: string;
}

export function RoutingAdmin() {
  const { t, i18n } = useTranslation();
  const { active } = useAuth();
  const [rules, setRules] = useState<RoutingRule[] | null>(null);
  const [cats, setCats] = useState<AdminCategory[]>([]);
  const [depts, setDepts] = useState<AdminDepartment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<RoutingRule | null>(null);
  const reload = () =>
    listRules()
      .then(setRules)
      .catch((e) => setError(errorText(t, e)));
  useEffect(() => {
    void reload();
    void listAllCategories().then(setCats).catch(() => undefined);
    void listAllDepartments().then(setDepts).catch(() => undefined);
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const en = i18n.language.startsWith('en');
  const catName = useMemo(() => new Map(cats.map((c) => [c.code, en ? c.nameEn : c.nameZh])), [cats, en]);
  const deptName = useMemo(() => new Map(depts.map((d) => [d.id, d.name])), [depts]);
  const dn = (id: number) => deptName.get(id) ?? `#${id}`;

  async function remove(r: RoutingRule) {
    if (!window.confirm(t('routing.confirmDelete'))) return;
    setError(null);
    try {
      await deleteRule(r.id);
      setNotice(t('routing.deleted'));
      void reload();
    } catch (e) {
      setError(errorText(t, e));
    }
  }

  return (
    <div className="stack">
      <RuleForm
        key={editing?.id ?? 'new'}
        cats={cats}
        depts={depts}
        editing={editing}
        defaultRegion={active?.regionCode ?? ''}
        onCancel={() => setEditing(null)}
        onSaved={(msg) => {
          setEditing(null);
          setNotice(msg);
          void reload();
        }}
      />
      <section className="card" aria-labelledby="rl-h">
        <h2 id="rl-h">{t('routing.title')}</h2>
        <p className="muted small">{t('routing.hint')}</p>
        <Alert>{error}</Alert>
        <Alert tone="success">{notice}</Alert>
        {rules === null ? (
          <p className="loading" role="status">{t('common.loading')}</p>
        ) : rules.length === 0 ? (
          <p className="empty">{t('routing.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="rules-table">
              <thead>
                <tr>
                  <th scope="col">{t('routing.category')}</th>
                  <th scope="col">{t('routing.region')}</th>
                  <th scope="col">{t('routing.lead')}</th>
                  <th scope="col">{t('routing.co')}</th>
                  <th scope="col">{t('routing.level')}</th>
                  <th scope="col"><span className="sr-only">{t('cats.actions')}</span></th>
                </tr>
              </thead>
              <tbody>
                {rules.map((r) => (
                  <tr key={r.id} data-testid="rule-row">
                    <td>{r.categoryCode ? catName.get(r.categoryCode) ?? r.categoryCode : <em>{t('routing.anyCategory')}</em>}</td>
                    <td>
                      {r.regionName} <span className="muted small elder-hide">{r.regionCode}</span>
                    </td>
                    <td><strong>{dn(r.leadDepartmentId)}</strong></td>
                    <td>{r.coDepartmentIds.length ? r.coDepartmentIds.map(dn).join(en ? ', ' : '、') : '—'}</td>
                    <td>{r.responseLevel ? t('case.levelN', { n: r.responseLevel }) : '—'}</td>
                    <td className="nowrap">
                      <button type="button" className="btn btn-ghost btn-sm" onClick={() => setEditing(r)} aria-label={t('routing.editOne', { id: r.id })}>
                        {t('cats.edit')}
                      </button>
                      <button type="button" className="btn btn-ghost btn-sm" onClick={() => void remove(r)} aria-label={t('routing.deleteOne', { id: r.id })}>
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
    </div>
  );
}

function RuleForm({ cats, depts, editing, defaultRegion, onCancel, onSaved }: { cats: AdminCategory[]; depts: AdminDepartment[]; editing: RoutingRule | null; defaultRegion: string; onCancel: () => void; onSaved: (msg: string) => void }) {
  const { t, i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  const [f, setF] = useState<Draft>(() =>
    editing
      ? { categoryCode: editing.categoryCode ?? '', regionCode: editing.regionCode, leadDepartmentId: String(editing.leadDepartmentId), coDepartmentIds: editing.coDepartmentIds.map(String), responseLevel: editing.responseLevel ? String(editing.responseLevel) : '', note: editing.note ?? '' }
      : { categoryCode: '', regionCode: defaultRegion, leadDepartmentId: '', coDepartmentIds: [], responseLevel: '', note: '' },
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const majors = cats.filter((c) => c.level === 1);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!f.leadDepartmentId) return setError(t('routing.needLead'));
    setBusy(true);
    const common = {
      leadDepartmentId: Number(f.leadDepartmentId),
      coDepartmentIds: f.coDepartmentIds.map(Number).filter((x) => x !== Number(f.leadDepartmentId)),
      responseLevel: f.responseLevel ? (Number(f.responseLevel) as Level) : null,
      note: f.note.trim() || null,
    };
    try {
      if (editing) await updateRule(editing.id, common);
      else await createRule({ ...common, categoryCode: f.categoryCode || null, regionCode: f.regionCode.trim() });
      onSaved(editing ? t('routing.updated') : t('routing.created'));
    } catch (err) {
      setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="rf-h">
      <h2 id="rf-h">{editing ? t('routing.editTitle') : t('routing.newTitle')}</h2>
      <form onSubmit={submit} className="form-grid" data-testid="rule-form">
        <div className="field">
          <label htmlFor="rf-cat">{t('routing.category')}</label>
          <select id="rf-cat" value={f.categoryCode} disabled={!!editing} onChange={(e) => setF({ ...f, categoryCode: e.target.value })}>
            <option value="">{t('routing.anyCategory')}</option>
            {majors.map((m) => (
              <optgroup key={m.code} label={en ? m.nameEn : m.nameZh}>
                <option value={m.code}>{t('routing.wholeMajor', { name: en ? m.nameEn : m.nameZh })}</option>
                {cats
                  .filter((c) => c.parentCode === m.code)
                  .map((c) => (
                    <option key={c.code} value={c.code}>
                      {en ? c.nameEn : c.nameZh}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rf-region">{t('routing.regionCode')}</label>
          <input id="rf-region" value={f.regionCode} readOnly={!!editing} onChange={(e) => setF({ ...f, regionCode: e.target.value })} inputMode="numeric" required pattern="[0-9]{12}([0-9]{3}([0-9]{2})?)?" />
        </div>
        <div className="field">
          <label htmlFor="rf-lead">{t('routing.lead')}</label>
          <select id="rf-lead" value={f.leadDepartmentId} onChange={(e) => setF({ ...f, leadDepartmentId: e.target.value })} required>
            <option value="">{t('common.choose')}</option>
            {depts.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rf-co">{t('routing.co')}</label>
          <select id="rf-co" multiple size={Math.min(4, Math.max(2, depts.length))} value={f.coDepartmentIds} onChange={(e) => setF({ ...f, coDepartmentIds: [...e.target.selectedOptions].map((o) => o.value) })}>
            {depts
              .filter((d) => String(d.id) !== f.leadDepartmentId)
              .map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rf-level">{t('routing.level')}</label>
          <select id="rf-level" value={f.responseLevel} onChange={(e) => setF({ ...f, responseLevel: e.target.value })}>
            <option value="">{t('routing.levelFromCategory')}</option>
            {['1', '2', '3'].map((l) => (
              <option key={l} value={l}>{t('case.levelN', { n: l })}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rf-note">{t('fields.note')}</label>
          <input id="rf-note" value={f.note} onChange={(e) => setF({ ...f, note: e.target.value })} maxLength={500} />
        </div>
        <div className="row gap">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? t('common.working') : editing ? t('cats.save') : t('routing.add')}
          </button>
          {editing && (
            <button type="button" className="btn btn-ghost" onClick={onCancel}>
              {t('common.cancel')}
            </button>
          )}
        </div>
      </form>
      <Alert>{error}</Alert>
    </section>
  );
}
