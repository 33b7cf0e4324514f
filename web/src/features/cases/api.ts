/**
 * The cases module's API as the web app uses it. The server decides which steps are possible
 * (`actions` on a case); the app only shows them as buttons and posts them, never re-implementing
 * the workflow rules. Shapes are read defensively (helpers below), so a renamed field degrades
 * one label, not the page.
 */
import { get, listOf, post } from '../../api/client';

export type CaseState =
  | 'reported'
  | 'not_accepted'
  | 'accepted'
  | 'dispatched'
  | 'returned'
  | 'signed'
  | 'in_progress'
  | 'handled'
  | 'verified'
  | 'closed'
  | 'evaluated'
  | 'suspended'
  | 'merged'
  | 'cancelled'
  | 'referred';

export interface Category {
  code: string;
  parentCode?: string | null;
  level?: 1 | 2;
  nameZh?: string;
  nameEn?: string;
  name?: string;
  keywords?: string[];
  private?: boolean;
  children?: Category[];
  attributes?: Array<{ code: string; datatype: string; required?: boolean; description?: string; values?: Array<{ key: string; name: string }> }>;
}

/** A workflow step as the server names it (POST /api/cases/:id/<name>). */
export interface CaseAction {
  name: string;
  label?: string;
}

export interface TimelineEvent {
  id?: number | string;
  at: string;
  type: string;
  fromState?: string | null;
  toState?: string | null;
  /** Public timeline: the state after the event. */
  state?: string | null;
  actor?: { type: string; id: number | null; name: string } | null;
  text?: string | null;
  publicText?: string | null;
  data?: Record<string, unknown>;
}

export interface Attachment {
  id: number | string;
  kind: 'report' | 'evidence' | 'verification' | string;
  url?: string;
  mime?: string;
  width?: number | null;
  height?: number | null;
}

interface Due {
  dueAt: string | null;
  warnedAt?: string | null;
  overdueAt?: string | null;
}

export interface CaseSummary {
  id: number | string;
  publicId?: string;
  state: CaseState;
  channel?: string;
  categoryCode?: string;
  description?: string | null;
  title?: string | null;
  responseLevel?: number;
  address?: string | null;
  location?: { lng: number; lat: number } | null;
  regionId?: number;
  outOfRegion?: boolean;
  overdue?: boolean;
  reportedAt?: string;
  leadDepartmentId?: number | null;
  version?: number;
  /** Only on duplicates. */
  distanceM?: number;
}

export interface CaseDetail extends CaseSummary {
  actions?: string[];
  attachments?: Attachment[];
  reporter?: { name?: string | null; phone?: string | null; anonymous?: boolean; hidden?: boolean } | null;
  deadlines?: { mode?: string; signFor?: Due; handle?: Due; verify?: Due };
  pendingExtension?: { hours: number; reason: string } | null;
  notAcceptedReason?: string | null;
  handlingSummary?: string | null;
  satisfaction?: string | null;
  satisfactionComment?: string | null;
  coDepartmentIds?: number[];
  suspendedFrom?: string | null;
  counters?: Record<string, number>;
}

export interface CaseQuery {
  state?: CaseState[];
  regionCode?: string;
  category?: string;
  departmentId?: number;
  overdue?: boolean;
  outOfRegion?: boolean;
  hasDuplicates?: boolean;
  rework?: boolean;
  mine?: boolean;
  q?: string;
  cursor?: string;
  limit?: number;
}

export interface CasePage {
  items: CaseSummary[];
  next: string | null;
}

export const OPEN_STATES: CaseState[] = ['reported', 'accepted', 'dispatched', 'returned', 'signed', 'in_progress', 'handled', 'verified', 'suspended'];

export async function listCategories(): Promise<Category[]> {
  return listOf<Category>(await get<unknown>('/api/categories'), 'items', 'categories');
}

export async function listCases(q: CaseQuery = {}): Promise<CasePage> {
  const v = await get<{ items: CaseSummary[]; nextCursor: string | null }>('/api/cases', { ...q });
  return { items: listOf<CaseSummary>(v), next: v?.nextCursor ?? null };
}

export const getCase = (id: string | number) => get<CaseDetail>(`/api/cases/${id}`);

export async function getTimeline(id: string | number): Promise<TimelineEvent[]> {
  return listOf<TimelineEvent>(await get<unknown>(`/api/cases/${id}/timeline`));
}

export async function caseDuplicates(id: string | number): Promise<CaseSummary[]> {
  return listOf<CaseSummary>(await get<unknown>(`/api/cases/${id}/duplicates`, undefined, { allow404: true }).catch(() => null));
}

export interface RoutingSuggestion {
  rule: { id: number; regionName?: string } | null;
  leadDepartmentId: number | null;
  coDepartmentIds: number[];
  departments: Array<{ id: number; code: string; name: string }>;
}
export const routingSuggestion = (id: string | number) => get<RoutingSuggestion>(`/api/cases/${id}/routing-suggestion`);

export type Crs = 'wgs84' | 'gcj02' | 'bd09' | 'cgcs2000';
export interface NewCase {
  channel: 'web' | 'h5' | 'patrol' | 'hotline' | 'police';
  categoryCode: string;
  description: string;
  location?: { lng: number; lat: number; crs: Crs };
  address?: string;
  anonymous?: boolean;
  attributes?: Record<string, unknown>;
}

export interface Created {
  case: CaseDetail;
  duplicates: CaseSummary[];
  autoDispatched?: boolean;
}

/** Report; a retry with the same key never creates a second case. */
export const createCase = (c: NewCase, idempotencyKey: string) => post<Created>('/api/cases', c, { headers: { 'idempotency-key': idempotencyKey } });

/** Upload photos; `kind` must precede the files in the multipart body. */
export async function uploadAttachments(id: string | number, files: File[], kind: 'report' | 'evidence' | 'verification'): Promise<Attachment[]> {
  if (files.length === 0) return [];
  const fd = new FormData();
  fd.append('kind', kind);
  for (const f of files) fd.append('file', f, f.name);
  return listOf<Attachment>(await post<unknown>(`/api/cases/${id}/attachments`, fd));
}

/**
 * Open cases of a category near a point, before reporting: the map endpoint over a small box
 * (about the server's default 250 m duplicate radius), in the actor's scope.
 */
export async function nearbyOpen(p: { categoryCode: string; lng: number; lat: number }): Promise<Array<{ id: number; publicId: string; state: CaseState }>> {
  const dLat = 250 / 111_320;
  const dLng = dLat / Math.max(0.2, Math.cos((p.lat * Math.PI) / 180));
  const bbox = [p.lng - dLng, p.lat - dLat, p.lng + dLng, p.lat + dLat].map((x) => x.toFixed(6)).join(',');
  const v = await get<{ features?: Array<{ properties: { cluster: boolean; id?: number; publicId?: string; state?: CaseState } }> }>('/api/cases/map', {
    bbox,
    zoom: 16,
    category: p.categoryCode,
    state: OPEN_STATES,
  }).catch(() => null);
  return (v?.features ?? []).flatMap((f) => (f.properties.cluster || !f.properties.id ? [] : [{ id: f.properties.id, publicId: f.properties.publicId ?? '', state: f.properties.state ?? 'reported' }]));
}

/** Post one workflow step to POST /api/cases/:id/<action>; answers the case as it is now. */
export const runAction = (id: string | number, action: string, body: Record<string, unknown>) => post<CaseDetail>(`/api/cases/${id}/${action}`, body);

// ------------------------------------------------------------------------------------------------
// Readers.

export function catName(c: Category, lang: string): string {
  return (lang.startsWith('en') ? c.nameEn : c.nameZh) ?? c.name ?? c.nameZh ?? c.code;
}

export function categoryLabel(c: CaseSummary, lang: string, cats?: Map<string, Category>): string {
  const code = c.categoryCode ?? '';
  const cat = cats?.get(code);
  return cat ? catName(cat, lang) : code;
}

export function pointOf(c: { location?: { lng: number; lat: number } | null }): { lng: number; lat: number } | null {
  return c.location && Number.isFinite(c.location.lng) && Number.isFinite(c.location.lat) ? c.location : null;
}

const STEP_OF: Partial<Record<CaseState, 'signFor' | 'handle' | 'verify'>> = { dispatched: 'signFor', signed: 'handle', in_progress: 'handle', handled: 'verify' };

/** The deadline running now, for the SLA countdown (only on the detail, where deadlines are). */
export function currentDeadline(c: CaseDetail | CaseSummary): { step: string; due: Date } | null {
  const step = STEP_OF[c.state];
  const due = step ? (c as CaseDetail).deadlines?.[step]?.dueAt : null;
  if (!step || !due) return null;
  const d = new Date(due);
  return Number.isNaN(d.getTime()) ? null : { step, due: d };
}

export function isOpen(state: string): boolean {
  return (OPEN_STATES as string[]).includes(state);
}

/** Categories by code, from the tree or the flat list. */
export function categoryMap(cs: Category[]): Map<string, Category> {
  const m = new Map<string, Category>();
  const walk = (xs: Category[]) => xs.forEach((c) => (m.set(c.code, c), c.children && walk(c.children)));
  walk(cs);
  return m;
}

// KPIs -------------------------------------------------------------------------------------------
// The cases module computes every KPI from the timeline (docs/kpi-definitions.md); rates come as
// {numerator, denominator, rate} so a figure can be traced. The app shows rate, or a dash.

interface Ratio {
  numerator: number;
  denominator: number;
  rate: number | null;
}
interface KpiFigures {
  intake: number;
  disposal: Ratio;
  onTimeDisposal: Ratio;
  closure: Ratio;
  satisfaction: Ratio;
  backlog: number;
  overdue: number;
}

export interface KpiSummary {
  intakeToday?: number | null;
  disposalRate?: number | null;
  onTimeRate?: number | null;
  satisfactionRate?: number | null;
  open?: number | null;
  overdue?: number | null;
}
export interface KpiRow {
  code: string;
  name: string;
  open: number;
  overdue: number;
  intake: number;
  disposalRate: number | null;
  onTimeRate: number | null;
  closureRate: number | null;
  satisfactionRate: number | null;
}
export interface TrendPoint {
  day: string;
  intake: number;
  closed: number;
}

const rate = (r: Ratio | number | null | undefined): number | null => (r === null || r === undefined ? null : typeof r === 'number' ? r : r.rate);

const day = (d: Date) => d.toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });

/** Null when the KPI endpoints are not there (or not for this role): the screen shows dashes. */
export async function kpiSummary(region: string): Promise<KpiSummary | null> {
  const v = await get<{ intakeToday: number; disposalRate: Ratio; onTimeRate: Ratio; satisfactionRate: Ratio; open: number; overdue: number }>('/api/kpi/summary', { region }, { allow404: true }).catch(() => null);
  if (!v) return null;
  return { intakeToday: v.intakeToday, disposalRate: rate(v.disposalRate), onTimeRate: rate(v.onTimeRate), satisfactionRate: rate(v.satisfactionRate), open: v.open, overdue: v.overdue };
}

interface KpiTable {
  rows: Array<{ key: string; label: string; code?: string; kpis: KpiFigures }>;
}

function toRow(r: KpiTable['rows'][number]): KpiRow {
  return {
    code: r.code ?? r.key,
    name: r.label,
    open: r.kpis.backlog,
    overdue: r.kpis.overdue,
    intake: r.kpis.intake,
    disposalRate: rate(r.kpis.disposal),
    onTimeRate: rate(r.kpis.onTimeDisposal),
    closureRate: rate(r.kpis.closure),
    satisfactionRate: rate(r.kpis.satisfaction),
  };
}

export async function kpiTable(region: string, by: 'region' | 'department' | 'category' | 'channel' | 'day' | 'week' | 'month', window: { from?: string; to?: string; level?: string } = {}): Promise<KpiRow[] | null> {
  const v = await get<KpiTable>('/api/kpi', { region, by, ...window }, { allow404: true }).catch(() => null);
  return v ? v.rows.map(toRow) : null;
}

export const kpiByRegion = (region: string) => kpiTable(region, 'region');
export const kpiByDepartment = (region: string) => kpiTable(region, 'department');

export async function kpiTrend(region: string, days = 14): Promise<TrendPoint[] | null> {
  const to = new Date();
  const from = new Date(to.getTime() - (days - 1) * 86_400_000);
  const rows = await kpiTable(region, 'day', { from: day(from), to: day(to) });
  if (!rows) return null;
  const byDay = new Map(rows.map((r) => [r.code, r]));
  // Every day of the window, zeros included, so the line does not skip quiet days.
  return Array.from({ length: days }, (_, i) => {
    const d = day(new Date(from.getTime() + i * 86_400_000));
    const r = byDay.get(d);
    return { day: d, intake: r?.intake ?? 0, closed: 0 };
  });
}

/** The export link of a KPI table (the browser downloads it with the session cookie). */
export const kpiExportUrl = (region: string, by: string, format: 'csv' | 'xlsx', window: { from?: string; to?: string; level?: string } = {}) =>
  `/api/kpi/export.${format}?${new URLSearchParams({ region, by, ...window }).toString()}`;

/** Like kpiTable, but an error (a bad region, no right) is thrown so the page can say why. */
export async function kpiTableStrict(region: string, by: string, window: { from?: string; to?: string; level?: string }): Promise<KpiRow[]> {
  const v = await get<KpiTable>('/api/kpi', { region, by, ...window });
  return v.rows.map(toRow);
}

// ---------------------------------------------------------------------------------------------
// bulk triage

export type BulkAction = 'accept' | 'dispatch' | 'classify';
export type BulkResult =
  | { id: number; ok: true; state: CaseState; version: number; publicId: string }
  | { id: number; ok: false; error: { code: string; message: string; status: number; details?: { state?: CaseState } } };
export const bulkAction = (action: BulkAction, ids: number[], body: Record<string, unknown>) =>
  post<{ action: BulkAction; done: number; failed: number; results: BulkResult[] }>('/api/cases/bulk', { action, ids, body });

// ---------------------------------------------------------------------------------------------
// supervision tickets (督办单)

export interface SupervisionTicket {
  id: number;
  caseId: number;
  casePublicId: string;
  caseState: CaseState;
  region: { code: string; name: string; level: string };
  kind: string;
  reason: string;
  openedAt: string;
  openedBy: string;
  open: boolean;
  closedAt: string | null;
  closingNote: string | null;
}
export const listTickets = async (q: { region?: string; open?: boolean }) => listOf<SupervisionTicket>(await get<unknown>('/api/supervision-tickets', q), 'items');
export const closeTicket = (id: number, note: string) => post<SupervisionTicket>(`/api/supervision-tickets/${id}/close`, { note });

// ---------------------------------------------------------------------------------------------
// the public map

export interface PublicMapProps {
  cluster: boolean;
  count: number;
  publicId?: string;
  state?: CaseState;
  category?: { code: string; nameZh: string | null; nameEn: string | null };
  description?: string | null;
  reportedAt?: string | null;
}
export type PublicMapFeature = GeoJSON.Feature<GeoJSON.Point, PublicMapProps>;
export const publicMap = async (bbox: [number, number, number, number], zoom: number) =>
  (await get<GeoJSON.FeatureCollection<GeoJSON.Point, PublicMapProps>>('/api/public/cases/map', { bbox: bbox.map((x) => x.toFixed(5)).join(','), zoom: Math.round(zoom) })).features;
