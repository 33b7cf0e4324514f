/**
 * Report a problem, on a phone, in under a minute: what (category), where (pin or "use my
 * location"), photos, a few words, anonymous or not. Before submitting, open reports of the same
 * kind nearby are shown so a resident can follow one instead of filing it twice. Grid workers use
 * the same form for patrol reports (channel 'patrol').
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { errorText } from '../../api/errors';
import { useAuth } from '../../app/auth';
import { locate, regionGeojson, type LocateResult, type RegionCollection } from '../regions/api';
import { MapView } from '../shared/MapView';
import { Alert, StateBadge, newKey } from '../shared/ui';
import { CategoryPicker } from './CategoryPicker';
import { catName, categoryMap, createCase, listCategories, nearbyOpen, uploadAttachments, type Category, type CaseState } from './api';

export default function ReportPage() {
  const { t, i18n } = useTranslation();
  const { active } = useAuth();
  const navigate = useNavigate();
  const patrol = active?.role === 'grid_worker';
  const [categories, setCategories] = useState<Category[]>([]);
  const [category, setCategory] = useState<string | null>(null);
  const [point, setPoint] = useState<{ lng: number; lat: number } | null>(null);
  const [chain, setChain] = useState<LocateResult['chain'] | null>(null);
  const [outside, setOutside] = useState(false);
  const [photos, setPhotos] = useState<File[]>([]);
  const [description, setDescription] = useState('');
  const [address, setAddress] = useState('');
  const [anonymous, setAnonymous] = useState(false);
  const [dups, setDups] = useState<Array<{ id: number; publicId: string; state: CaseState }>>([]);
  const [error, setError] = useState<string | null>(null);
  const [geoMsg, setGeoMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [shapes, setShapes] = useState<RegionCollection | null>(null);
  const key = useRef(newKey());

  useEffect(() => {
    void listCategories().then(setCategories).catch((e) => setError(errorText(t, e)));
  }, [t]);
  useEffect(() => {
    if (active?.regionCode) void regionGeojson(active.regionCode, 1, 0.0005).then(setShapes).catch(() => setShapes(null));
  }, [active?.regionCode]);

  const catMap = useMemo(() => categoryMap(categories), [categories]);

  // Where is the pin? (Also tells the resident that a point outside the city is still accepted.)
  useEffect(() => {
    if (!point) return;
    let alive = true;
    void locate(point.lng, point.lat, 'wgs84')
      .then((r) => alive && (setChain(r.chain), setOutside(false)))
      .catch(() => alive && (setChain(null), setOutside(true)));
    return () => {
      alive = false;
    };
  }, [point]);

  useEffect(() => {
    if (!point || !category) return setDups([]);
    let alive = true;
    void nearbyOpen({ categoryCode: category, lng: point.lng, lat: point.lat }).then((d) => alive && setDups(d));
    return () => {
      alive = false;
    };
  }, [point, category]);

  function locateMe() {
    setGeoMsg(null);
    if (!('geolocation' in navigator)) return setGeoMsg(t('report.geoUnsupported'));
    setGeoMsg(t('report.locating'));
    navigator.geolocation.getCurrentPosition(
      // Browser geolocation is WGS-84; the request says so (crs=wgs84).
      (pos) => {
        setPoint({ lng: pos.coords.longitude, lat: pos.coords.latitude });
        setGeoMsg(null);
      },
      () => setGeoMsg(t('report.geoDenied')),
      { enableHighAccuracy: true, timeout: 10_000 },
    );
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!category) return setError(t('report.needCategory'));
    if (!point && !address.trim()) return setError(t('report.needPlace'));
    if (description.trim().length < 2) return setError(t('report.needDescription'));
    setBusy(true);
    try {
      const r = await createCase(
        {
          channel: patrol ? 'patrol' : 'web',
          categoryCode: category,
          description: description.trim(),
          // Browser geolocation and our map clicks are WGS-84.
          ...(point ? { location: { lng: point.lng, lat: point.lat, crs: 'wgs84' as const } } : {}),
          ...(address.trim() ? { address: address.trim() } : {}),
          ...(patrol ? {} : { anonymous }),
        },
        key.current,
      );
      await uploadAttachments(r.case.id, photos, 'report');
      key.current = newKey();
      navigate(`/cases/${r.case.id}?created=1`, { state: { duplicates: r.duplicates } });
    } catch (err) {
      setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }

  const selected = category ? catMap.get(category) : undefined;

  return (
    <div className="page narrow report-page">
      <h1>{patrol ? t('report.patrolTitle') : t('report.title')}</h1>
      <p className="muted elder-hide">{t('report.intro')}</p>
      <form onSubmit={submit} noValidate className="stack">
        <section className="card" aria-labelledby="step-what">
          <h2 id="step-what">
            <span className="step">1</span> {t('report.what')}
          </h2>
          {selected && (
            <p className="selected" data-testid="selected-category">
              {t('report.selected')}: <strong>{catName(selected, i18n.language)}</strong>
            </p>
          )}
          <CategoryPicker categories={categories} value={category} onChange={setCategory} />
        </section>

        <section className="card" aria-labelledby="step-where">
          <h2 id="step-where">
            <span className="step">2</span> {t('report.where')}
          </h2>
          <div className="row gap">
            <button type="button" className="btn btn-secondary" onClick={locateMe} data-testid="use-location">
              {t('report.useLocation')}
            </button>
            <span className="muted small">{t('report.orTapMap')}</span>
          </div>
          {geoMsg && <p className="hint" role="status">{geoMsg}</p>}
          <MapView ariaLabel={t('report.mapLabel')} shapes={shapes} fitKey={active?.regionCode ?? ''} pin={point} onPick={setPoint} className="map-report" style={() => ({ color: '#0b4f9c', weight: 1, fillOpacity: 0.04 })} />
          {point && (
            <p className="small" data-testid="located">
              {chain ? chain.map((c) => c.name).reverse().join(' › ') : outside ? t('report.outside') : t('report.locating')}
            </p>
          )}
          <div className="field">
            <label htmlFor="r-address">{t('report.address')}</label>
            <input id="r-address" value={address} onChange={(e) => setAddress(e.target.value)} placeholder={t('report.addressHint')} />
          </div>
        </section>

        <section className="card" aria-labelledby="step-detail">
          <h2 id="step-detail">
            <span className="step">3</span> {t('report.detail')}
          </h2>
          <div className="field">
            <label htmlFor="r-photos">{t('report.photos')}</label>
            <input id="r-photos" type="file" accept="image/*" multiple capture="environment" onChange={(e) => setPhotos([...(e.target.files ?? [])].slice(0, 9))} data-testid="photo-input" />
            {photos.length > 0 && (
              <ul className="thumbs">
                {photos.map((f, i) => (
                  <li key={i}>
                    <img src={URL.createObjectURL(f)} alt={t('report.photoN', { n: i + 1 })} />
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div className="field">
            <label htmlFor="r-desc">{t('report.description')}</label>
            <textarea id="r-desc" rows={4} maxLength={4000} value={description} onChange={(e) => setDescription(e.target.value)} placeholder={t('report.descriptionHint')} data-testid="description" />
          </div>
          {!patrol && (
            <label className="check">
              <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} /> {t('report.anonymous')}
            </label>
          )}
        </section>

        {dups.length > 0 && (
          <section className="card dup-card" aria-labelledby="dup-h" data-testid="duplicates">
            <h2 id="dup-h">{t('report.duplicatesTitle')}</h2>
            <p className="muted small">{t('report.duplicatesHint')}</p>
            <ul className="case-list">
              {dups.map((d) => (
                <li key={d.id}>
                  <Link to={`/cases/${d.id}`}>
                    <StateBadge state={d.state} /> {d.publicId}
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        )}

        <Alert>{error}</Alert>
        <button type="submit" className="btn btn-primary btn-block btn-lg" disabled={busy} data-testid="submit-report">
          {busy ? t('report.submitting') : t('report.submit')}
        </button>
      </form>
    </div>
  );
}
