/**
 * A Leaflet map that needs no basemap: the region and grid boundaries ARE the map (a city may run
 * on a network that reaches no tile server). When the server names a tile URL it is drawn under
 * the shapes; tiles in GCJ-02 (AMap, Tencent, most Chinese styles) are offset from WGS-84 by up to
 * ~500 m, so every shape and marker is shifted into GCJ-02 for display, and clicks are shifted
 * back, keeping all data in WGS-84.
 */
import { useEffect, useRef } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import gcoord from 'gcoord';
import { webConfig, type WebConfig } from '../web/api';

export interface MapMarker {
  id: string | number;
  lng: number;
  lat: number;
  label?: string;
  tone?: 'normal' | 'warn' | 'danger' | 'new';
  /** A cluster of this many cases: drawn larger. */
  count?: number;
  onClick?: () => void;
}

export interface MapViewProps {
  /** Boundaries, WGS-84 GeoJSON. */
  shapes?: GeoJSON.FeatureCollection | null;
  style?: (f: GeoJSON.Feature) => L.PathOptions;
  /** A label for each shape (tooltip), and what clicking it does. */
  label?: (f: GeoJSON.Feature) => string;
  onShapeClick?: (f: GeoJSON.Feature) => void;
  /** Show each shape's name on the map (few large shapes), not only on hover. */
  permanentLabels?: boolean;
  markers?: MapMarker[];
  /** A single draggable pin (the report form). */
  pin?: { lng: number; lat: number } | null;
  onPick?: (p: { lng: number; lat: number }) => void;
  className?: string;
  ariaLabel: string;
  dark?: boolean;
  /** Fit the view to the shapes whenever this changes. */
  fitKey?: string;
  center?: [number, number];
  /** The zoom to start at with `center` (default 15). */
  zoom?: number;
  /** Told the visible box (WGS-84 minLng, minLat, maxLng, maxLat) and zoom after every move. */
  onView?: (bbox: [number, number, number, number], zoom: number) => void;
}

type Conv = (lng: number, lat: number) => [number, number];

function converters(cfg: WebConfig | null): { toDisplay: Conv; fromDisplay: Conv } {
  if (cfg?.tileUrl && cfg.tileCrs === 'gcj02') {
    return {
      toDisplay: (lng, lat) => gcoord.transform([lng, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number],
      fromDisplay: (lng, lat) => gcoord.transform([lng, lat], gcoord.GCJ02, gcoord.WGS84) as [number, number],
    };
  }
  return { toDisplay: (lng, lat) => [lng, lat], fromDisplay: (lng, lat) => [lng, lat] };
}

function shiftCollection(fc: GeoJSON.FeatureCollection, cfg: WebConfig | null): GeoJSON.FeatureCollection {
  if (!(cfg?.tileUrl && cfg.tileCrs === 'gcj02')) return fc;
  // gcoord rewrites coordinates in place: never touch the caller's object.
  return gcoord.transform(structuredClone(fc) as never, gcoord.WGS84, gcoord.GCJ02) as unknown as GeoJSON.FeatureCollection;
}

const TONES: Record<string, string> = { normal: 'var(--marker-normal, #4fb3ff)', warn: '#fbbf24', danger: '#ff5a4f', new: '#4ade80' };

export function MapView(p: MapViewProps) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const shapesLayer = useRef<L.GeoJSON | null>(null);
  const markersLayer = useRef<L.LayerGroup | null>(null);
  const pinLayer = useRef<L.Marker | null>(null);
  const cfg = useRef<WebConfig | null>(null);
  const conv = useRef(converters(null));
  const props = useRef(p);
  props.current = p;
  const lastFit = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (!el.current) return;
    const m = L.map(el.current, {
      zoomControl: true,
      attributionControl: true,
      zoomSnap: 0.25,
      keyboard: true,
      preferCanvas: false,
    });
    m.setView(p.center ?? [25.04, 102.71], p.center ? p.zoom ?? 15 : 10);
    m.attributionControl.setPrefix(false);
    map.current = m;
    markersLayer.current = L.layerGroup().addTo(m);
    const tellView = () => {
      const b = m.getBounds();
      const [w, sth] = conv.current.fromDisplay(b.getWest(), b.getSouth());
      const [e, n] = conv.current.fromDisplay(b.getEast(), b.getNorth());
      props.current.onView?.([w, sth, e, n], m.getZoom());
    };
    m.on('moveend', tellView);
    // The first view was set before anyone listened.
    if (props.current.onView) setTimeout(() => map.current === m && tellView(), 0);
    m.on('click', (e: L.LeafletMouseEvent) => {
      const [lng, lat] = conv.current.fromDisplay(e.latlng.lng, e.latlng.lat);
      props.current.onPick?.({ lng, lat });
    });
    void webConfig().then((c) => {
      cfg.current = c;
      conv.current = converters(c);
      if (c.tileUrl && map.current) {
        L.tileLayer(c.tileUrl, {
          maxZoom: 19,
          ...(c.tileSubdomains ? { subdomains: c.tileSubdomains } : {}),
          ...(c.tileAttribution ? { attribution: c.tileAttribution } : {}),
        }).addTo(map.current);
        // Shapes were drawn before the config arrived: redraw them in the tiles' datum.
        draw();
      }
    });
    const ro = new ResizeObserver(() => m.invalidateSize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      m.remove();
      map.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  function draw() {
    const m = map.current;
    if (!m) return;
    const cur = props.current;
    shapesLayer.current?.remove();
    shapesLayer.current = null;
    if (cur.shapes && cur.shapes.features.length > 0) {
      const layer = L.geoJSON(shiftCollection(cur.shapes, cfg.current), {
        style: (f) => (f && cur.style ? cur.style(f) : { color: '#2f7fb3', weight: 1.5, fillOpacity: 0.15 }),
        onEachFeature: (f, l) => {
          const text = props.current.label?.(f);
          if (text && props.current.permanentLabels) l.bindTooltip(text, { permanent: true, direction: 'center', className: 'map-label' });
          else if (text) l.bindTooltip(text, { sticky: true, direction: 'top', className: 'map-tip' });
          l.on('click', (e) => {
            if (props.current.onShapeClick) {
              L.DomEvent.stopPropagation(e);
              props.current.onShapeClick(f);
            }
          });
        },
      }).addTo(m);
      shapesLayer.current = layer;
      if (cur.fitKey !== lastFit.current) {
        lastFit.current = cur.fitKey;
        const b = layer.getBounds();
        if (b.isValid()) m.fitBounds(b, { padding: [16, 16] });
      }
    }
    drawMarkers();
  }

  function drawMarkers() {
    const m = map.current;
    const group = markersLayer.current;
    if (!m || !group) return;
    group.clearLayers();
    for (const mk of props.current.markers ?? []) {
      const [lng, lat] = conv.current.toDisplay(mk.lng, mk.lat);
      const c = L.circleMarker([lat, lng], {
        radius: mk.count && mk.count > 1 ? Math.min(22, 8 + Math.log2(mk.count) * 3) : mk.tone === 'new' ? 9 : 6,
        color: '#ffffff',
        weight: 1.5,
        fillColor: TONES[mk.tone ?? 'normal'],
        fillOpacity: 0.95,
        className: mk.tone === 'new' ? 'marker-pulse' : '',
      });
      if (mk.label) c.bindTooltip(mk.label);
      if (mk.onClick) c.on('click', mk.onClick);
      c.addTo(group);
    }
    pinLayer.current?.remove();
    pinLayer.current = null;
    const pin = props.current.pin;
    if (pin) {
      const [lng, lat] = conv.current.toDisplay(pin.lng, pin.lat);
      const icon = L.divIcon({ className: 'pin-icon', html: '<span></span>', iconSize: [28, 28], iconAnchor: [14, 28] });
      const mk = L.marker([lat, lng], { icon, draggable: true, keyboard: true, title: 'pin' }).addTo(m);
      mk.on('dragend', () => {
        const ll = mk.getLatLng();
        const [x, y] = conv.current.fromDisplay(ll.lng, ll.lat);
        props.current.onPick?.({ lng: x, lat: y });
      });
      pinLayer.current = mk;
      if (!props.current.shapes) m.setView([lat, lng], Math.max(m.getZoom(), 15));
    }
  }

  useEffect(draw, [p.shapes, p.fitKey, p.style, p.permanentLabels]);
  useEffect(drawMarkers, [p.markers, p.pin]);

  return <div ref={el} className={`map ${p.dark ? 'map-dark' : ''} ${p.className ?? ''}`} role="region" aria-label={p.ariaLabel} data-testid="map" />;
}
