/** The public map of non-private cases (redacted by the server): what the city is working on. */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get, listOf } from '../../api/client';
import { listRegions, regionGeojson, type RegionCollection } from '../regions/api';
import { MapView, type MapMarker } from '../shared/MapView';

interface PublicCase {
  id: string | number;
  publicId?: string;
  state: string;
  lng?: number;
  lat?: number;
  location?: { lng: number; lat: number };
  geometry?: { coordinates: [number, number] };
  properties?: Record<string, unknown>;
}

export default function PublicMapPage() {
  const { t } = useTranslation();
  const [shapes, setShapes] = useState<RegionCollection | null>(null);
  const [items, setItems] = useState<PublicCase[]>([]);
  const [unavailable, setUnavailable] = useState(false);
  const [root, setRoot] = useState<string>('');

  useEffect(() => {
    void listRegions()
      .then((rs) => {
        const r = rs[0];
        if (!r) return;
        setRoot(r.code);
        return regionGeojson(r.code, 1, 0.0005).then(setShapes);
      })
      .catch(() => setShapes(null));
    void get<unknown>('/api/cases/public', { limit: 500 }, { allow404: true })
      .then((v) => {
        if (v === null) setUnavailable(true);
        setItems(listOf<PublicCase>(v, 'features', 'cases'));
      })
      .catch(() => setUnavailable(true));
  }, []);

  const markers = useMemo<MapMarker[]>(
    () =>
      items.flatMap((c) => {
        const p = c.location ?? (c.geometry ? { lng: c.geometry.coordinates[0], lat: c.geometry.coordinates[1] } : typeof c.lng === 'number' && typeof c.lat === 'number' ? { lng: c.lng, lat: c.lat } : null);
        return p ? [{ id: c.id, ...p, label: c.publicId ?? String(c.id) }] : [];
      }),
    [items],
  );

  return (
    <div className="page">
      <h1>{t('publicMap.title')}</h1>
      <p className="muted">{unavailable ? t('publicMap.unavailable') : t('publicMap.intro', { n: markers.length })}</p>
      <MapView ariaLabel={t('publicMap.title')} shapes={shapes} fitKey={root} markers={markers} className="map-public" style={() => ({ color: '#0b4f9c', weight: 1, fillOpacity: 0.06 })} />
    </div>
  );
}
