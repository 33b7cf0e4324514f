/** Departments (职能部门) serving my regions: the list, and a new one under a region (and a parent department). */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { useAuth } from '../../app/auth';
import { Alert } from '../shared/ui';
import { createDepartment, listAllDepartments, updateDepartment, type AdminDepartment } from './api';

const KINDS = ['城管', '住建', '市场监管', '生态环境', '水务', '交通', '公安', '卫健', '民政', '其他'];

export function DepartmentsAdmin() {
  const { t } = useTranslation();
  const { active } = useAuth();
  const [items, setItems] = useState<AdminDepartment[] | null>(null);
  const [q, setQ] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [f, setF] = useState({ code: '', name: '', kind: KINDS[0]!, regionCode: active?.regionCode ?? '', parentCode: '' });
  const reload = () =>
    listAllDepartments(q.trim())
      .then(setItems)
      .catch((e) => setError(errorText(t, e)));
  useEffect(() => {
    const h = setTimeout(() => void reload(), 200);
    return () => clearTimeout(h);
  }, [q]); // eslint-disable-line react-hooks/exhaustive-deps

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setNotice(null);
    try {
      const d = await createDepartment({ code: f.code.trim(), name: f.name.trim(), kind: f.kind, regionCode: f.regionCode.trim(), ...(f.parentCode ? { parentCode: f.parentCode } : {}) });
      setNotice(t('depts.created', { name: d.name }));
      setF((x) => ({ ...x, code: '', name: '' }));
      void reload();
    } catch (err) {
      setError(errorText(t, err));
    }
  }
  const [edit, setEdit] = useState<{ id: number; name: string; kind: string; active: boolean } | null>(null);
  async function saveEdit(e: FormEvent) {
    e.preventDefault();
    if (!edit) return;
    setError(null);
    setNotice(null);
    try {
      const d = await updateDepartment(edit.id, { name: edit.name.trim(), kind: edit.kind.trim(), active: edit.active });
      setNotice(t('depts.saved', { name: d.name }));
      setEdit(null);
      void reload();
    } catch (err) {
      setError(errorText(t, err));
    }
  }
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));

  return (
    <div className="stack">
      <section className="card" aria-labelledby="nd-h">
        <h2 id="nd-h">{t('depts.newTitle')}</h2>
        <form className="form-grid" onSubmit={submit}>
          <div className="field"><label htmlFor="nd-code">{t('depts.code')}</label><input id="nd-code" value={f.code} onChange={set('code')} required /></div>
          <div className="field"><label htmlFor="nd-name">{t('depts.name')}</label><input id="nd-name" value={f.name} onChange={set('name')} required maxLength={200} /></div>
          <div className="field">
            <label htmlFor="nd-kind">{t('depts.kind')}</label>
            <input id="nd-kind" list="nd-kinds" value={f.kind} onChange={set('kind')} required maxLength={40} />
            <datalist id="nd-kinds">{KINDS.map((k) => <option key={k} value={k} />)}</datalist>
          </div>
          <div className="field"><label htmlFor="nd-region">{t('admin.regionCode')}</label><input id="nd-region" value={f.regionCode} onChange={set('regionCode')} inputMode="numeric" required /></div>
          <div className="field">
            <label htmlFor="nd-parent">{t('depts.parent')}</label>
            <select id="nd-parent" value={f.parentCode} onChange={set('parentCode')}>
              <option value="">{t('depts.noParent')}</option>
              {(items ?? []).map((d) => <option key={d.id} value={d.code}>{d.name}</option>)}
            </select>
          </div>
          <div><button type="submit" className="btn btn-primary">{t('admin.create')}</button></div>
        </form>
        <Alert>{error}</Alert>
        <Alert tone="success">{notice}</Alert>
      </section>
      <section className="card" aria-labelledby="dl-h">
        <div className="page-head">
          <h2 id="dl-h">{t('depts.title')}</h2>
          <label className="inline"><span className="sr-only">{t('queue.search')}</span><input type="search" placeholder={t('queue.search')} value={q} onChange={(e) => setQ(e.target.value)} /></label>
        </div>
        <p className="muted small">{t('depts.editNote')}</p>
        <div className="table-wrap">
          <table className="table" data-testid="departments-table">
            <thead><tr><th scope="col">{t('depts.name')}</th><th scope="col">{t('depts.code')}</th><th scope="col">{t('depts.kind')}</th><th scope="col">{t('routing.region')}</th><th scope="col">{t('depts.status')}</th><th scope="col"><span className="sr-only">{t('depts.actions')}</span></th></tr></thead>
            <tbody>
              {(items ?? []).map((d) => (
                edit?.id === d.id ? (
                  <tr key={d.id}>
                    <td colSpan={6}>
                      <form className="form-grid" onSubmit={saveEdit} aria-label={t('depts.editTitle', { code: d.code })}>
                        <div className="field"><label htmlFor="ed-name">{t('depts.name')}</label><input id="ed-name" value={edit.name} onChange={(e) => setEdit({ ...edit, name: e.target.value })} required maxLength={200} /></div>
                        <div className="field"><label htmlFor="ed-kind">{t('depts.kind')}</label><input id="ed-kind" list="nd-kinds" value={edit.kind} onChange={(e) => setEdit({ ...edit, kind: e.target.value })} required maxLength={40} /></div>
                        <div className="field"><label className="inline"><input type="checkbox" checked={edit.active} onChange={(e) => setEdit({ ...edit, active: e.target.checked })} /> {t('depts.active')}</label></div>
                        <div className="row">
                          <button type="submit" className="btn btn-primary">{t('depts.save')}</button>
                          <button type="button" className="btn" onClick={() => setEdit(null)}>{t('depts.cancel')}</button>
                        </div>
                      </form>
                    </td>
                  </tr>
                ) : (
                  <tr key={d.id} className={d.active ? '' : 'muted'}>
                    <th scope="row">{d.name}</th>
                    <td><code>{d.code}</code></td>
                    <td>{d.kind}</td>
                    <td>{d.regionName}</td>
                    <td>{d.active ? t('depts.activeYes') : t('depts.activeNo')}</td>
                    <td><button type="button" className="btn btn-small" onClick={() => setEdit({ id: d.id, name: d.name, kind: d.kind, active: d.active })}>{t('depts.edit')}<span className="sr-only"> {d.name}</span></button></td>
                  </tr>
                )
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
