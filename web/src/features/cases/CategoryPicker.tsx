import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { catName, type Category } from './api';

/** Two-level category picker with a search over names and keywords (Chinese or English). */
export function CategoryPicker({ categories, value, onChange }: { categories: Category[]; value: string | null; onChange: (code: string) => void }) {
  const { t, i18n } = useTranslation();
  const [q, setQ] = useState('');
  const [open, setOpen] = useState<string | null>(null);

  const { majors, minorsOf } = useMemo(() => {
    const flat: Category[] = [];
    const walk = (cs: Category[], parent: string | null) => {
      for (const c of cs) {
        flat.push({ ...c, parentCode: c.parentCode ?? parent });
        if (c.children) walk(c.children, c.code);
      }
    };
    walk(categories, null);
    const majors = flat.filter((c) => !c.parentCode);
    const minorsOf = new Map<string, Category[]>();
    for (const c of flat) if (c.parentCode) minorsOf.set(c.parentCode, [...(minorsOf.get(c.parentCode) ?? []), c]);
    return { majors, minorsOf };
  }, [categories]);

  const needle = q.trim().toLowerCase();
  const matches = (c: Category) =>
    !needle || [c.nameZh, c.nameEn, c.name, c.code, ...(c.keywords ?? [])].some((s) => s && s.toLowerCase().includes(needle));

  const leaves = (m: Category) => minorsOf.get(m.code) ?? [];
  const hits = needle ? majors.flatMap((m) => (leaves(m).length ? leaves(m) : [m]).filter((c) => matches(c) || matches(m))) : [];

  return (
    <div className="cat-picker">
      <label htmlFor="cat-search" className="sr-only">
        {t('report.searchCategory')}
      </label>
      <input
        id="cat-search"
        type="search"
        placeholder={t('report.searchCategory')}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        data-testid="category-search"
      />
      {needle ? (
        <ul className="cat-list" role="listbox" aria-label={t('report.category')}>
          {hits.length === 0 && <li className="muted">{t('report.noCategory')}</li>}
          {hits.slice(0, 30).map((c) => (
            <li key={c.code}>
              <button type="button" role="option" aria-selected={value === c.code} className={`cat-item ${value === c.code ? 'on' : ''}`} onClick={() => onChange(c.code)} data-testid={`cat-${c.code}`}>
                {catName(c, i18n.language)}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <div className="cat-groups">
          {majors.map((m) => {
            const kids = leaves(m);
            const expanded = open === m.code || kids.some((k) => k.code === value);
            return (
              <div key={m.code} className="cat-group">
                <button
                  type="button"
                  className={`cat-major ${value === m.code ? 'on' : ''}`}
                  aria-expanded={kids.length ? expanded : undefined}
                  onClick={() => (kids.length ? setOpen(expanded ? null : m.code) : onChange(m.code))}
                  data-testid={`cat-${m.code}`}
                >
                  {catName(m, i18n.language)}
                </button>
                {expanded && kids.length > 0 && (
                  <div className="cat-minors" role="listbox" aria-label={catName(m, i18n.language)}>
                    {kids.map((c) => (
                      <button key={c.code} type="button" role="option" aria-selected={value === c.code} className={`cat-item ${value === c.code ? 'on' : ''}`} onClick={() => onChange(c.code)} data-testid={`cat-${c.code}`}>
                        {catName(c, i18n.language)}
                      </button>
                    ))}
                  </div>
                )}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
