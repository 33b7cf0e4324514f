/**
 * The public map of non-private cases (redacted by the server): what the city is working on. The
 * boundaries are the map; cases come from GET /api/public/cases/map for the visible box, clustered
 * when zoomed out. The cases in view are also listed as text (keyboard and screen-reader users).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { errorText } from '../../api/errors';
import { listRegions, regionGeojson, type RegionCollection } from '../regions/api';
import { MapView, type MapMarker } from '../shared/MapView';
import { StateBadge, fmtTime } from '../shared/ui';
import { publicMap, type PublicMapFeature } from './api';

const TONE: Record<string, MapMarker['tone']> = { closed: 'normal', evaluated: 'normal', verified: 'normal', handled: 'normal', returned: 'warn', suspended: 'warn' };

export default function PublicMapPage() {
  const { t, i18n } = useTranslation();
  // A shared link may open the map on a place: /map?at=lng,lat&z=16 (WGS-84).
  const [params] = useSearchParams();
  const at = useMemo(() => {
    const m = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(params.get('at') ?? '');
    const z = Number(params.get('z') ?? 16);
    return m ? { center: [Number(m[2]), Number(m[1])] as [number, number], zoom: Number.isFinite(z) ? Math.min(19, Math.max(3, z)) : 16 } : null;
  }, [params]);
  const [shapes, setShapes] = useState<RegionCollection | null>(null);
  const [features, setFeatures] = useState<PublicMapFeature[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [root, setRoot] = useState<string>('');
  const [picked, setPicked] = useState<string | null>(null);
  const seq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    void listRegions()
      .then((rs) => {
        const r = rs[0];
        if (!r) return;
        setRoot(r.code);
        return regionGeojson(r.code, 1, 0.0005).then(setShapes);
      })
      .catch(() => setShapes(null));
  }, []);

  // Every pan or zoom asks again for what is in view (debounced; a late answer never overwrites a newer one).
  const onView = useCallback(
    (bbox: [number, number, number, number], zoom: number) => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        const n = ++seq.current;
        publicMap(bbox, zoom)
          .then((fs) => {
            if (n !== seq.current) return;
            setFeatures(fs);
            setError(null);
          })
          .catch((e) => n === seq.current && setError(errorText(t, e)));
      }, 250);
    },
    [t],
  );
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const en = i18n.language.startsWith('en');
  const catName = (f: PublicMapFeature) => (en ? f.properties.category?.nameEn : f.properties.category?.nameZh) ?? f.properties.category?.code ?? '';
  const singles = useMemo(() => (features ?? []).filter((f) => !f.properties.cluster), [features]);
  const total = useMemo(() => (features ?? []).reduce((n, f) => n + f.properties.count, 0), [features]);

  const markers = useMemo<MapMarker[]>(
    () =>
      (features ?? []).map((f, i) => {
        const [lng, lat] = f.geometry.coordinates as [number, number];
        const p = f.properties;
        return p.cluster
          ? { id: `c${i}`, lng, lat, count: p.count, label: t('publicMap.cluster', { n: p.count }) }
          : { id: p.publicId!, lng, lat, tone: TONE[p.state ?? ''] ?? 'new', label: `${catName(f)} · ${t(`states.${p.state}`)}`, onClick: () => setPicked(p.publicId!) };
      }),
    [features, t, en], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const pickedF = singles.find((f) => f.properties.publicId === picked) ?? null;

  return (
    <div className="page">
      <h1>{t('publicMap.title')}</h1>
      <p className="muted" role="status" data-testid="public-map-status">
        {error ?? (features === null ? t('common.loading') : t('publicMap.intro', { n: total }))}
      </p>
      <MapView ariaLabel={t('publicMap.title')} shapes={shapes} {...(at ? { center: at.center, zoom: at.zoom } : { fitKey: root })} markers={markers} onView={onView} className="map-public" style={() => ({ color: '#0b4f9c', weight: 1, fillOpacity: 0.06 })} />
      {pickedF && <PublicCaseCard f={pickedF} name={catName(pickedF)} lang={i18n.language} onClose={() => setPicked(null)} />}
      <section aria-labelledby="pm-list-h" className="stack">
        <h2 id="pm-list-h">{t('publicMap.listTitle')}</h2>
        {singles.length === 0 ? (
          <p className="muted">{features && features.length > 0 ? t('publicMap.zoomIn') : t('publicMap.none')}</p>
        ) : (
          <ul className="case-list" data-testid="public-cases">
            {singles.slice(0, 50).map((f) => (
              <li key={f.properties.publicId} className="case-row" data-testid="public-case">
                <button type="button" className="case-link linklike" onClick={() => setPicked(f.properties.publicId!)}>
                  <div className="case-line1">
                    <StateBadge state={f.properties.state ?? ''} />
                    <strong>{catName(f)}</strong>
                  </div>
                  {f.properties.description && <div className="case-line2">{f.properties.description}</div>}
                  <div className="case-line3 muted small">
                    <span>{f.properties.publicId}</span>
                    <span>{fmtTime(f.properties.reportedAt, i18n.language)}</span>
                  </div>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function PublicCaseCard({ f, name, lang, onClose }: { f: PublicMapFeature; name: string; lang: string; onClose: () => void }) {
  const { t } = useTranslation();
  const p = f.properties;
  return (
    <section className="card" aria-labelledby="pm-card-h" data-testid="public-case-card">
      <div className="page-head">
        <h2 id="pm-card-h">
          {name} <StateBadge state={p.state ?? ''} />
        </h2>
        <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
          {t('common.dismiss')}
        </button>
      </div>
      {p.description && <p>{p.description}</p>}
      <p className="muted small">
        {p.publicId} · {fmtTime(p.reportedAt, lang)}
      </p>
    </section>
  );
}
