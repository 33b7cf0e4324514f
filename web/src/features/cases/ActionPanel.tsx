/**
 * The workflow steps the server says this person may take on this case (`actions`), as buttons.
 * Choosing one opens its small form; the step's guard, policy and scope stay on the server, which
 * answers 409 with the current state when the case moved on meanwhile (the form then shows it).
 * The field names below are the request bodies of POST /api/cases/:id/<action>.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { listDepartments, type Department } from '../identity/api';
import { Alert } from '../shared/ui';
import { catName, routingSuggestion, runAction, uploadAttachments, type CaseDetail, type Category, type RoutingSuggestion } from './api';

type FieldKind =
  | 'reason'
  | 'note'
  | 'summary'
  | 'comment'
  | 'leadDepartmentId'
  | 'coDepartmentIds'
  | 'responseLevel'
  | 'categoryCode'
  | 'hours'
  | 'satisfaction'
  | 'into'
  | 'centreRegionCode'
  | 'result'
  | 'approve'
  | 'photos';

interface FormSpec {
  fields: FieldKind[];
  required?: FieldKind[];
  tone?: 'primary' | 'danger' | 'secondary';
  photoKind?: 'evidence' | 'verification';
}

const FORMS: Record<string, FormSpec> = {
  accept: { fields: ['responseLevel', 'note'], tone: 'primary' },
  reject: { fields: ['reason'], required: ['reason'], tone: 'danger' },
  classify: { fields: ['categoryCode', 'responseLevel'] },
  dispatch: { fields: ['leadDepartmentId', 'responseLevel', 'note'], tone: 'primary' },
  escalate: { fields: ['reason'], required: ['reason'] },
  'dispatch-down': { fields: ['centreRegionCode', 'note'], required: ['centreRegionCode'] },
  merge: { fields: ['into'], required: ['into'] },
  'sign-for': { fields: [], tone: 'primary' },
  return: { fields: ['reason'], required: ['reason'], tone: 'danger' },
  start: { fields: [], tone: 'primary' },
  handle: { fields: ['summary', 'photos'], required: ['summary'], tone: 'primary', photoKind: 'evidence' },
  'request-extension': { fields: ['hours', 'reason'], required: ['hours', 'reason'] },
  'decide-extension': { fields: ['approve', 'comment'], required: ['approve'] },
  suspend: { fields: ['reason'], required: ['reason'] },
  resume: { fields: [] },
  verify: { fields: ['result', 'comment', 'photos'], required: ['result'], tone: 'primary', photoKind: 'verification' },
  close: { fields: ['note'], tone: 'primary' },
  callback: { fields: ['satisfaction', 'comment'], required: ['satisfaction'], tone: 'primary' },
};

const NUMERIC: FieldKind[] = ['leadDepartmentId', 'responseLevel', 'hours', 'into'];

export function ActionPanel({ c, cats, onDone }: { c: CaseDetail; cats: Category[]; onDone: (c: CaseDetail) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<string | null>(null);
  const actions = c.actions ?? [];
  if (actions.length === 0) return <p className="muted" data-testid="no-actions">{t('case.noActions')}</p>;
  return (
    <div className="actions" data-testid="actions">
      <div className="action-buttons">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={`btn btn-${FORMS[a]?.tone ?? 'secondary'} ${open === a ? 'pressed' : ''}`}
            aria-expanded={open === a}
            onClick={() => setOpen(open === a ? null : a)}
            data-testid={`action-${a}`}
          >
            {t(`actions.${a}`, { defaultValue: a })}
          </button>
        ))}
      </div>
      {open && <ActionForm key={open} c={c} action={open} cats={cats} onCancel={() => setOpen(null)} onDone={(x) => (setOpen(null), onDone(x))} />}
    </div>
  );
}

function ActionForm({ c, action, cats, onCancel, onDone }: { c: CaseDetail; action: string; cats: Category[]; onCancel: () => void; onDone: (c: CaseDetail) => void }) {
  const { t, i18n } = useTranslation();
  const spec = FORMS[action] ?? { fields: [] };
  const [v, setV] = useState<Record<string, string>>(() => {
    const init: Record<string, string> = {};
    if (c.responseLevel && spec.fields.includes('responseLevel')) init.responseLevel = String(c.responseLevel);
    return init;
  });
  const [photos, setPhotos] = useState<File[]>([]);
  const [depts, setDepts] = useState<Department[]>([]);
  const [suggestion, setSuggestion] = useState<RoutingSuggestion | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!spec.fields.includes('leadDepartmentId')) return;
    void routingSuggestion(c.id)
      .then((s) => {
        setSuggestion(s);
        if (s.leadDepartmentId) setV((x) => ({ ...x, leadDepartmentId: x.leadDepartmentId ?? String(s.leadDepartmentId) }));
      })
      .catch(() => setSuggestion(null));
    void listDepartments().then(setDepts).catch(() => setDepts([]));
  }, [c.id, spec.fields]);

  const set = (k: string) => (e: { target: { value: string } }) => setV((x) => ({ ...x, [k]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    for (const r of spec.required ?? []) if (!v[r]?.trim()) return setError(t('actions.required', { field: t(`fields.${r}`) }));
    const body: Record<string, unknown> = {};
    for (const f of spec.fields) {
      const raw = v[f];
      if (f === 'photos' || raw === undefined || raw === '') continue;
      if (NUMERIC.includes(f)) body[f] = Number(raw);
      else if (f === 'approve') body[f] = raw === 'yes';
      else body[f] = raw;
    }
    if (c.version) body.version = c.version;
    setBusy(true);
    try {
      // Photos first: the step then names them as its evidence.
      if (spec.photoKind && photos.length > 0) {
        const up = await uploadAttachments(c.id, photos, spec.photoKind);
        body.attachmentIds = up.map((a) => Number(a.id));
      }
      onDone(await runAction(c.id, action, body));
    } catch (err) {
      setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }

  const id = (f: string) => `act-${action}-${f}`;
  const radios = (f: FieldKind, options: Array<[string, string]>) => (
    <fieldset className="field" key={f}>
      <legend>{t(`fields.${f}`)}</legend>
      <div className="seg light">
        {options.map(([value, label]) => (
          <label key={value} className={v[f] === value ? 'on' : ''}>
            <input type="radio" name={id(f)} value={value} checked={v[f] === value} onChange={set(f)} data-testid={`${f}-${value}`} /> {label}
          </label>
        ))}
      </div>
    </fieldset>
  );
  const deptOptions = depts.length > 0 ? depts : (suggestion?.departments ?? []);

  return (
    <form className="card action-form" onSubmit={submit} data-testid={`form-${action}`}>
      <h3>{t(`actions.${action}`, { defaultValue: action })}</h3>
      {spec.fields.length === 0 && <p className="muted">{t('actions.confirmHint')}</p>}
      {spec.fields.map((f) => {
        switch (f) {
          case 'reason':
          case 'note':
          case 'summary':
          case 'comment':
            return (
              <div className="field" key={f}>
                <label htmlFor={id(f)}>{t(`fields.${f}`)}</label>
                <textarea id={id(f)} rows={3} value={v[f] ?? ''} onChange={set(f)} required={spec.required?.includes(f)} data-testid={`field-${f}`} />
              </div>
            );
          case 'leadDepartmentId':
            return (
              <div className="field" key={f}>
                <label htmlFor={id(f)}>{t('fields.leadDepartmentId')}</label>
                <select id={id(f)} value={v[f] ?? ''} onChange={set(f)} data-testid="field-leadDepartmentId">
                  <option value="">{t('case.bySuggestion')}</option>
                  {deptOptions.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name}
                      {suggestion?.leadDepartmentId === d.id ? ` (${t('case.suggested')})` : ''}
                    </option>
                  ))}
                </select>
                <p className="hint" data-testid="routing-hint">
                  {suggestion?.rule
                    ? t('case.routingHint', { name: deptOptions.find((d) => d.id === suggestion.leadDepartmentId)?.name ?? suggestion.leadDepartmentId })
                    : t('case.noRoutingRule')}
                </p>
              </div>
            );
          case 'responseLevel':
            return radios(f, [1, 2, 3].map((n) => [String(n), t('case.levelN', { n })]));
          case 'satisfaction':
            return radios(f, ['satisfied', 'basically_satisfied', 'dissatisfied'].map((s) => [s, t(`satisfaction.${s}`)]));
          case 'result':
            return radios(f, [['pass', t('verify.pass')], ['fail', t('verify.fail')]]);
          case 'approve':
            return radios(f, [['yes', t('extension.approve')], ['no', t('extension.refuse')]]);
          case 'categoryCode':
            return (
              <div className="field" key={f}>
                <label htmlFor={id(f)}>{t('fields.categoryCode')}</label>
                <select id={id(f)} value={v[f] ?? c.categoryCode ?? ''} onChange={set(f)}>
                  {cats
                    .filter((x) => x.parentCode)
                    .map((x) => (
                      <option key={x.code} value={x.code}>
                        {catName(x, i18n.language)}
                      </option>
                    ))}
                </select>
              </div>
            );
          case 'photos':
            return (
              <div className="field" key={f}>
                <label htmlFor={id(f)}>{t('fields.photos')}</label>
                <input id={id(f)} type="file" accept="image/*" multiple onChange={(e) => setPhotos([...(e.target.files ?? [])].slice(0, 9))} data-testid="field-photos" />
              </div>
            );
          default:
            return (
              <div className="field" key={f}>
                <label htmlFor={id(f)}>{t(`fields.${f}`)}</label>
                <input id={id(f)} type={NUMERIC.includes(f) ? 'number' : 'text'} inputMode={NUMERIC.includes(f) || f === 'centreRegionCode' ? 'numeric' : undefined} value={v[f] ?? ''} onChange={set(f)} data-testid={`field-${f}`} />
              </div>
            );
        }
      })}
      <Alert>{error}</Alert>
      <div className="row gap">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="action-submit">
          {busy ? t('common.working') : t('common.confirm')}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
