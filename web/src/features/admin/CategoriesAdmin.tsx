/**
 * The taxonomy as an admin sees it: major categories with their minor ones, each with its
 * response level, deadlines per level and step, attributes, privacy and auto-dispatch. Editing
 * one opens a form below the list; a minor category is added under its major one.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { Alert } from '../shared/ui';
import { createCategory, listAllCategories, updateCategory, type AdminCategory, type AttributeDef, type Deadlines, type Level } from './api';

const LEVELS = ['1', '2', '3'] as const;
const STEPS = ['sign_for', 'handle', 'verify'] as const;
const DATATYPES = ['string', 'text', 'number', 'datetime', 'singlevaluelist', 'multivaluelist'];

const nameOf = (c: AdminCategory, lang: string) => (lang.startsWith('en') ? c.nameEn : c.nameZh);

export function CategoriesAdmin() {
  const { t, i18n } = useTranslation();
  const [cats, setCats] = useState<AdminCategory[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<AdminCategory | null>(null);
  const [adding, setAdding] = useState<AdminCategory | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const reload = () =>
    listAllCategories()
      .then(setCats)
      .catch((e) => setError(errorText(t, e)));
  useEffect(() => void reload(), []); // eslint-disable-line react-hooks/exhaustive-deps

  const majors = useMemo(() => (cats ?? []).filter((c) => c.level === 1), [cats]);
  const minorsOf = (code: string) => (cats ?? []).filter((c) => c.parentCode === code);

  return (
    <div className="stack">
      <section className="card" aria-labelledby="cat-h">
        <h2 id="cat-h">{t('cats.title')}</h2>
        <p className="muted small">{t('cats.hint')}</p>
        <Alert>{error}</Alert>
        <Alert tone="success">{saved}</Alert>
        {cats === null && <p className="loading" role="status">{t('common.loading')}</p>}
        <div className="table-wrap">
          <table className="table" data-testid="categories-table">
            <thead>
              <tr>
                <th scope="col">{t('cats.name')}</th>
                <th scope="col">{t('cats.code')}</th>
                <th scope="col">{t('cats.defaultLevel')}</th>
                <th scope="col" className="elder-hide">{t('cats.deadlines')}</th>
                <th scope="col">{t('cats.flags')}</th>
                <th scope="col"><span className="sr-only">{t('cats.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {majors.map((m) => (
                <CategoryRows key={m.code} major={m} minors={minorsOf(m.code)} lang={i18n.language} onEdit={(c) => (setAdding(null), setEditing(c), setSaved(null))} onAdd={(c) => (setEditing(null), setAdding(c), setSaved(null))} />
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {editing && (
        <CategoryForm
          key={editing.code}
          mode="edit"
          initial={editing}
          onCancel={() => setEditing(null)}
          onSaved={(c) => {
            setEditing(null);
            setSaved(t('cats.saved', { name: nameOf(c, i18n.language) }));
            void reload();
          }}
        />
      )}
      {adding && (
        <CategoryForm
          key={`new-${adding.code}`}
          mode="add"
          initial={{ ...adding, code: `${adding.code}.`, parentCode: adding.code, level: 2, nameZh: '', nameEn: '', attributes: [], autoDispatch: false }}
          onCancel={() => setAdding(null)}
          onSaved={(c) => {
            setAdding(null);
            setSaved(t('cats.added', { name: nameOf(c, i18n.language) }));
            void reload();
          }}
        />
      )}
    </div>
  );
}

function CategoryRows({ major, minors, lang, onEdit, onAdd }: { major: AdminCategory; minors: AdminCategory[]; lang: string; onEdit: (c: AdminCategory) => void; onAdd: (c: AdminCategory) => void }) {
  const { t } = useTranslation();
  const row = (c: AdminCategory, minor: boolean) => (
    <tr key={c.code} data-testid="category-row" data-code={c.code} className={c.active ? '' : 'muted'}>
      <th scope="row" className={minor ? 'indent' : ''}>{nameOf(c, lang)}</th>
      <td><code>{c.code}</code></td>
      <td>{t('case.levelN', { n: c.defaultResponseLevel })}</td>
      <td className="small elder-hide">
        {LEVELS.map((l) => (
          <div key={l}>
            {t('case.levelN', { n: l })}: {c.deadlines[l].sign_for}/{c.deadlines[l].handle}/{c.deadlines[l].verify} {t(`cats.mode.${c.deadlines[l].mode}`)}
          </div>
        ))}
      </td>
      <td>
        {c.private && <span className="chip">{t('cats.private')}</span>}
        {c.autoDispatch && <span className="chip">{t('cats.autoDispatch')}</span>}
        {!c.active && <span className="chip">{t('cats.inactive')}</span>}
      </td>
      <td className="nowrap">
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => onEdit(c)} aria-label={t('cats.editOne', { name: nameOf(c, lang) })}>
          {t('cats.edit')}
        </button>
        {!minor && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => onAdd(c)} aria-label={t('cats.addUnder', { name: nameOf(c, lang) })}>
            {t('cats.addMinor')}
          </button>
        )}
      </td>
    </tr>
  );
  return (
    <>
      {row(major, false)}
      {minors.map((m) => row(m, true))}
    </>
  );
}

function CategoryForm({ mode, initial, onCancel, onSaved }: { mode: 'edit' | 'add'; initial: AdminCategory; onCancel: () => void; onSaved: (c: AdminCategory) => void }) {
  const { t, i18n } = useTranslation();
  const [f, setF] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = (s: string) => `cf-${s}`;
  const setDl = (l: (typeof LEVELS)[number], k: keyof Deadlines['1'], v: string) =>
    setF((x) => ({ ...x, deadlines: { ...x.deadlines, [l]: { ...x.deadlines[l], [k]: k === 'mode' ? v : Number(v) } } }));
  const setAttr = (i: number, patch: Partial<AttributeDef>) => setF((x) => ({ ...x, attributes: x.attributes.map((a, j) => (j === i ? { ...a, ...patch } : a)) }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      nameZh: f.nameZh.trim(),
      nameEn: f.nameEn.trim(),
      defaultResponseLevel: f.defaultResponseLevel,
      deadlines: f.deadlines,
      attributes: f.attributes.map((a, i) => ({ ...a, order: i, ...(a.values && a.values.length ? { values: a.values } : {}) })),
      private: f.private,
      autoDispatch: f.autoDispatch,
      needsContact: f.needsContact,
      active: f.active,
    };
    try {
      onSaved(mode === 'edit' ? await updateCategory(f.code, body) : await createCategory({ ...body, code: f.code.trim(), parentCode: initial.parentCode! }));
    } catch (err) {
      setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="cf-h" data-testid="category-form">
      <h2 id="cf-h">{mode === 'edit' ? t('cats.editTitle', { name: i18n.language.startsWith('en') ? initial.nameEn : initial.nameZh }) : t('cats.addTitle')}</h2>
      <form onSubmit={submit} className="stack">
        <div className="form-grid">
          <div className="field">
            <label htmlFor={id('code')}>{t('cats.code')}</label>
            <input id={id('code')} value={f.code} readOnly={mode === 'edit'} onChange={(e) => setF({ ...f, code: e.target.value })} required pattern="[A-Za-z0-9_.\-]{1,64}" />
          </div>
          <div className="field">
            <label htmlFor={id('zh')}>{t('cats.nameZh')}</label>
            <input id={id('zh')} value={f.nameZh} onChange={(e) => setF({ ...f, nameZh: e.target.value })} required maxLength={100} />
          </div>
          <div className="field">
            <label htmlFor={id('en')}>{t('cats.nameEn')}</label>
            <input id={id('en')} value={f.nameEn} onChange={(e) => setF({ ...f, nameEn: e.target.value })} required maxLength={200} lang="en" />
          </div>
          <div className="field">
            <label htmlFor={id('lvl')}>{t('cats.defaultLevel')}</label>
            <select id={id('lvl')} value={f.defaultResponseLevel} onChange={(e) => setF({ ...f, defaultResponseLevel: Number(e.target.value) as Level })}>
              {LEVELS.map((l) => (
                <option key={l} value={l}>{t('case.levelN', { n: l })}</option>
              ))}
            </select>
          </div>
        </div>
        <fieldset>
          <legend>{t('cats.flags')}</legend>
          {(['private', 'autoDispatch', 'needsContact', 'active'] as const).map((k) => (
            <label key={k} className="check">
              <input type="checkbox" checked={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.checked })} /> {t(`cats.flag.${k}`)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('cats.deadlinesTitle')}</legend>
          <p className="muted small">{t('cats.deadlinesHint')}</p>
          <div className="table-wrap">
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">{t('cats.level')}</th>
                  <th scope="col">{t('cats.clock')}</th>
                  {STEPS.map((s) => <th key={s} scope="col">{t(`cats.step.${s}`)}</th>)}
                </tr>
              </thead>
              <tbody>
                {LEVELS.map((l) => (
                  <tr key={l}>
                    <th scope="row">{t('case.levelN', { n: l })}</th>
                    <td>
                      <select aria-label={t('cats.clockOf', { n: l })} value={f.deadlines[l].mode} onChange={(e) => setDl(l, 'mode', e.target.value)}>
                        <option value="working">{t('cats.mode.working')}</option>
                        <option value="calendar">{t('cats.mode.calendar')}</option>
                      </select>
                    </td>
                    {STEPS.map((s) => (
                      <td key={s}>
                        <input
                          type="number"
                          min={0.25}
                          step={0.25}
                          className="num"
                          aria-label={t('cats.hoursOf', { n: l, step: t(`cats.step.${s}`) })}
                          value={f.deadlines[l][s]}
                          onChange={(e) => setDl(l, s, e.target.value)}
                          required
                        />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </fieldset>
        <fieldset>
          <legend>{t('cats.attributes')}</legend>
          {f.attributes.length === 0 && <p className="muted small">{t('cats.noAttributes')}</p>}
          {f.attributes.map((a, i) => (
            <div key={i} className="form-grid attr-row">
              <div className="field">
                <label htmlFor={id(`a${i}c`)}>{t('cats.attrCode')}</label>
                <input id={id(`a${i}c`)} value={a.code} onChange={(e) => setAttr(i, { code: e.target.value })} required pattern="[A-Za-z0-9_]{1,64}" />
              </div>
              <div className="field">
                <label htmlFor={id(`a${i}d`)}>{t('cats.attrDescription')}</label>
                <input id={id(`a${i}d`)} value={a.description} onChange={(e) => setAttr(i, { description: e.target.value })} required />
              </div>
              <div className="field">
                <label htmlFor={id(`a${i}t`)}>{t('cats.attrType')}</label>
                <select id={id(`a${i}t`)} value={a.datatype} onChange={(e) => setAttr(i, { datatype: e.target.value })}>
                  {DATATYPES.map((d) => <option key={d} value={d}>{t(`cats.type.${d}`)}</option>)}
                </select>
              </div>
              {(a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist') && (
                <div className="field">
                  <label htmlFor={id(`a${i}v`)}>{t('cats.attrValues')}</label>
                  <input
                    id={id(`a${i}v`)}
                    value={(a.values ?? []).map((v) => (v.key === v.name ? v.name : `${v.key}=${v.name}`)).join(', ')}
                    onChange={(e) =>
                      setAttr(i, {
                        values: e.target.value
                          .split(/[,，]/)
                          .map((s) => s.trim())
                          .filter(Boolean)
                          .map((s) => {
                            const [k, n] = s.split('=');
                            return { key: k!.trim(), name: (n ?? k!).trim() };
                          }),
                      })
                    }
                  />
                </div>
              )}
              <div className="row gap">
                <label className="check">
                  <input type="checkbox" checked={a.required} onChange={(e) => setAttr(i, { required: e.target.checked })} /> {t('cats.attrRequired')}
                </label>
                <button type="button" className="btn btn-ghost btn-sm" onClick={() => setF({ ...f, attributes: f.attributes.filter((_, j) => j !== i) })} aria-label={t('cats.removeAttr', { code: a.code || i + 1 })}>
                  {t('cats.remove')}
                </button>
              </div>
            </div>
          ))}
          <button type="button" className="btn btn-secondary btn-sm" onClick={() => setF({ ...f, attributes: [...f.attributes, { code: '', datatype: 'string', required: false, description: '' }] })}>
            {t('cats.addAttr')}
          </button>
        </fieldset>
        <Alert>{error}</Alert>
        <div className="row gap">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? t('common.working') : mode === 'edit' ? t('cats.save') : t('cats.create')}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
