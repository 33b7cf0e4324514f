/**
 * The business rules of cases: intake from every channel, the workflow runner that every step
 * goes through, and the read side. Commands take a TxCtx so that other modules (Open311, CSV
 * import) compose them inside their own transaction.
 */
import crypto from 'node:crypto';
import { actorLabel, coversPath, hasRole, type Actor } from '../../platform/actor.js';
import { inTx, type Ctx, type TxCtx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import { recordAudit, recordAuditPart } from '../audit/index.js';
import { getUserById, userIdsWithRole } from '../identity/index.js';
import { notify, publishEvent, publishEventPart } from '../notifications/index.js';
import { geocodeAddress, toWgs84, type GeocodeResult, type LocateResult } from '../regions/index.js';
import { COMMANDS } from './commands/index.js';
import { suggestRouting } from './commands/helpers.js';
import { authorizeAction, authorizeChannel, canView, isCentreOperator, isLeadHandler, isReporter, isStaff } from './cases.policy.js';
import * as repo from './cases.repository.js';
import { checkTarget, guard, type CaseAction, type CaseState } from './cases.states.js';
import type { CommandOutcome } from './commands/types.js';
import { getCategoryCached } from './categories.cache.js';

type CommandNotify = CommandOutcome['notify'];
import type { AttachmentRow, AttributeDef, CaseCrs, CaseView, CategoryRow, Channel } from './cases.types.js';
import { FileStoreError, asFileStore, processImage, type FileStore, type FileStoreLike } from './cases.files.js';

// ---------------------------------------------------------------------------------------------
// the workflow runner

/** A case the actor may see, or 404 exactly like a missing one. */
export async function visibleCase(sql: Sql, actor: Actor, id: number): Promise<CaseView> {
  if (actor.kind === 'anonymous') throw new AppError('unauthenticated');
  const k = await repo.loadCase(sql, id);
  if (!k || !canView(actor, k)) throw new AppError('not_found', `No case ${id}.`);
  return k;
}

/** Who hears of a case: its reporters (every reporter of merged cases) by account or by SMS. */
const reporterContacts = async (sql: Sql, k: CaseView): Promise<{ userIds: number[]; phones: string[] }> => {
  const rs = await repo.listReporters(sql, k);
  const userIds = [...new Set(rs.map((r) => r.user_id).filter((u): u is number => u !== null))];
  const phones = [...new Set(rs.filter((r) => r.user_id === null && r.phone).map((r) => r.phone!))];
  return { userIds, phones };
};

/** What a reporter is told, by timeline event type. Other steps are not news to a reporter. */
const REPORTER_TEMPLATES: Record<string, string> = {
  accepted: 'case.accepted',
  not_accepted: 'case.rejected',
  dispatched: 'case.dispatched',
  closed: 'case.callback_requested',
  merged: 'case.accepted',
  handled: 'case.dispatched',
};

/**
 * After a step, in its transaction: the event for integrators and live dashboards, and the
 * notifications — reporters for the steps they care about, the departments' handlers for work
 * that lands on them. Both go through the outbox and are delivered after commit.
 */
/** The case event integrators and live dashboards get (topic `event.case.<type>`). */
type EventCase = Pick<CaseView, 'city_code' | 'state' | 'region_id' | 'region_path' | 'centre_region_id' | 'category_code' | 'out_of_region' | 'private' | 'category_private' | 'lng' | 'lat'>;
function eventPayload(before: CaseState | null, after: EventCase, action: CaseAction | 'report'): Record<string, unknown> {
  return {
    cityCode: after.city_code,
    action,
    fromState: before,
    state: after.state,
    regionId: after.region_id,
    regionPath: after.region_path,
    centreRegionId: after.centre_region_id,
    categoryCode: after.category_code,
    outOfRegion: after.out_of_region,
    // The point is shown on live maps; private cases never carry it out of the system.
    lng: after.private || after.category_private ? null : after.lng,
    lat: after.private || after.category_private ? null : after.lat,
  };
}

async function announce(c: TxCtx, before: CaseState | null, after: CaseView, action: CaseAction | 'report', eventType: string, n: CommandNotify | undefined): Promise<void> {
  await publishEvent(c.tx, `case.${eventType}`, { caseId: after.id, publicId: after.public_id, ...eventPayload(before, after, action) });
  const template = REPORTER_TEMPLATES[eventType];
  if (n?.reporters && template) {
    const to = await reporterContacts(c.tx, after);
    await notify(c.tx, { ...to, template, params: { publicId: after.public_id, reason: after.not_accepted_reason ?? '' }, link: `/cases/${after.id}` });
  }
  const departmentIds = (n?.departmentIds ?? []).filter((d): d is number => typeof d === 'number');
  if (departmentIds.length > 0) {
    const handlers = await userIdsWithRole(c.tx, { role: 'handler', departmentIds });
    await notify(c.tx, { userIds: handlers, template: 'case.task_assigned', params: { publicId: after.public_id, step: eventType }, link: `/cases/${after.id}` });
  }
}

/**
 * One step in the caller's transaction: load → guard (state machine) → policy → command →
 * optimistic write → timeline event → audit → outbox. Any failure rolls all of it back.
 */
export async function runActionInTx(c: TxCtx, id: number, action: CaseAction, body: Record<string, unknown>): Promise<CaseView> {
  const cmd = COMMANDS[action];
  const k = await visibleCase(c.tx, c.actor, id);
  guard(k.state, action, k.public_id);
  authorizeAction(c.actor, action, k);
  const expected = body.version;
  if (typeof expected === 'number' && expected !== k.version) {
    throw new AppError('conflict', `Case ${k.public_id} changed since you loaded it (version ${expected}, now ${k.version}); reload and try again.`, { version: k.version });
  }
  const out = await cmd.run(c, k, body as never);
  checkTarget(k.state, action, out.to);
  const set = { ...(out.set ?? {}), ...(out.to !== k.state ? { state: out.to } : {}) };
  const ok = await repo.updateCase(c.tx, k, set, c.now);
  if (!ok) throw new AppError('conflict', `Case ${k.public_id} was changed by someone else at the same time; reload and try again.`);
  const after = (await repo.loadCase(c.tx, id))!;
  await repo.insertEvent(c, after, {
    type: out.event.type,
    from: k.state,
    to: out.to,
    data: out.event.data ?? {},
    public: out.event.publicText != null && !after.private && !after.category_private,
    publicText: out.event.publicText ?? null,
    departmentId: out.event.departmentId ?? null,
  });
  if (out.afterWrite) await out.afterWrite(c, after);
  const before: Record<string, unknown> = {};
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(set)) {
    before[key] = (k as unknown as Record<string, unknown>)[key];
    changed[key] = (after as unknown as Record<string, unknown>)[key];
  }
  await recordAudit(c, { action: `case.${action}`, targetType: 'case', targetId: k.id, regionId: k.region_id, before, after: changed });
  await announce(c, k.state, after, action, out.event.type, out.notify);
  return after;
}

export function runAction(db: Database, ctx: Ctx, id: number, action: CaseAction, body: Record<string, unknown>): Promise<CaseView> {
  return inTx(db, ctx, (c) => runActionInTx(c, id, action, body));
}

// ---------------------------------------------------------------------------------------------
// intake

export interface IntakeInput {
  channel: Channel;
  categoryCode: string;
  description: string;
  title?: string | undefined;
  location?: { lng: number; lat: number; crs?: CaseCrs | undefined } | undefined;
  address?: string | undefined;
  attributes?: Record<string, unknown> | undefined;
  anonymous?: boolean | undefined;
  /** The caller's name/phone (hotline, police, Open311, anonymous web reports with a contact). */
  reporterName?: string | undefined;
  reporterPhone?: string | undefined;
  responseLevel?: 1 | 2 | 3 | undefined;
  /** The city, when the point lies outside every region or only an address is given. */
  cityCode?: string | undefined;
  /** Historical import only: when it was reported. */
  reportedAt?: Date | undefined;
  /**
   * The point already located by the regions module's in-memory index (null: outside every
   * region). Absent: intake locates with PostGIS in its transaction.
   */
  located?: LocateResult | null | undefined;
  /**
   * The address already geocoded (the route does it before the transaction opens). Absent:
   * intake geocodes an address-only report itself, in its transaction.
   */
  geocoded?: GeocodeResult | undefined;
  /**
   * The caller runs intake in inOneWrite (no transaction): intake writes its one statement and
   * leaves a category that dispatches itself to triage instead of writing the dispatch steps.
   */
  oneWrite?: boolean | undefined;
}

/** Where the case's location came from (case_file.location_source). */
export type LocationSource = 'gps' | 'geocoded_point' | 'geocoded_region' | 'none';

export interface IntakeResult {
  case: CaseView;
  /** The case's reporters (intake writes the first; auto-dispatch adds none). */
  reporters: repo.ReporterRow[];
  duplicates: repo.DuplicateRow[];
  autoDispatched: boolean;
  /** How the case was located; the geocoder's answer for an address-only report. */
  location: { source: LocationSource; confidence: number | null; geocode: GeocodeResult | null };
}

/**
 * An address-only report whose address names a street (or deeper) with at least this confidence,
 * unambiguously, is triaged by that street's centre like a located report; below it, by the city.
 */
export const GEOCODE_ROUTING_CONFIDENCE = 0.6;

/** Public case ids start with a short city prefix (KM-20261129-000123); other cities use their code. */
export const PUBLIC_ID_PREFIX: Record<string, string> = { '5301': 'KM' };


export function validateAttributes(defs: AttributeDef[], values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const code of Object.keys(values)) {
    if (!defs.some((d) => d.code === code)) throw invalid(`attributes.${code}`, 'is not an attribute of this category');
  }
  for (const d of defs) {
    const v = values[d.code];
    const field = `attributes.${d.code}`;
    if (v === undefined || v === null || v === '') {
      if (d.required) throw invalid(field, 'is required');
      continue;
    }
    const keys = (d.values ?? []).map((x) => x.key);
    switch (d.datatype) {
      case 'string':
      case 'text':
        if (typeof v !== 'string' || v.length > (d.datatype === 'string' ? 500 : 4000)) throw invalid(field, `must be a ${d.datatype === 'string' ? 'string up to 500' : 'text up to 4000'} characters`);
        out[d.code] = v;
        break;
      case 'number': {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (!Number.isFinite(n)) throw invalid(field, 'must be a number');
        out[d.code] = n;
        break;
      }
      case 'datetime':
        if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw invalid(field, 'must be an ISO 8601 date-time');
        out[d.code] = new Date(v).toISOString();
        break;
      case 'singlevaluelist':
        if (typeof v !== 'string' || !keys.includes(v)) throw invalid(field, `must be one of ${keys.join(', ')}`);
        out[d.code] = v;
        break;
      case 'multivaluelist': {
        const arr = Array.isArray(v) ? v : [v];
        if (arr.some((x) => typeof x !== 'string' || !keys.includes(x))) throw invalid(field, `must be a list of ${keys.join(', ')}`);
        out[d.code] = [...new Set(arr)];
        break;
      }
    }
  }
  return out;
}

async function pickCity(sql: Sql, actor: Actor, cityCode: string | undefined): Promise<repo.RegionRef> {
  const cities = await repo.currentCities(sql);
  if (cityCode) {
    const c = cities.find((x) => x.code === cityCode);
    if (!c) throw invalid('cityCode', `no city ${cityCode}`);
    return c;
  }
  // The actor's own city (its grants' top region), else the only city of the installation.
  const grantPaths = actor.kind === 'user' || actor.kind === 'api_key' ? actor.grants.map((g) => g.regionPath) : [];
  const mine = cities.filter((c) => grantPaths.some((p) => p.startsWith(c.path)));
  if (mine.length === 1) return mine[0]!;
  if (cities.length === 1) return cities[0]!;
  throw invalid('cityCode', 'is required: the location does not decide the city');
}


/**
 * Takes a report from any channel into the case model (state `reported`, at a centre's triage
 * queue). A point outside every region is kept, at the city centre, with out_of_region = true.
 * Runs in the caller's transaction (Open311 and CSV import call it too).
 */
/** The regions module's answer (deepest first) as the chain intake keeps (city first, with paths). */
function chainOfLocated(l: LocateResult | null): repo.RegionRef[] | null {
  if (!l) return null;
  const ids = l.path.split('/').filter(Boolean).map(Number);
  const byId = new Map(l.chain.map((x) => [x.id, x]));
  return ids.map((id, i) => {
    const x = byId.get(id)!;
    return { id, code: x.code, name: x.name, level: x.level, path: `/${ids.slice(0, i + 1).join('/')}/` };
  });
}

export async function intake(c: TxCtx, input: IntakeInput): Promise<IntakeResult> {
  authorizeChannel(c.actor, input.channel);
  if (input.reportedAt && input.channel !== 'import') throw invalid('reportedAt', 'only historical imports may set it');
  const cat = await getCategoryCached(c.tx, input.categoryCode);
  if (!cat || !cat.active) throw invalid('categoryCode', `no active category ${input.categoryCode}`);
  if (cat.level !== 2) throw invalid('categoryCode', 'must be a minor (second-level) category');
  if (!input.location && !input.address?.trim()) throw invalid('location', 'give a location (lng/lat) or an address');
  const attributes = validateAttributes(cat.attributes, input.attributes ?? {});

  let lng: number | null = null;
  let lat: number | null = null;
  let chain: repo.RegionRef[] | null = null;
  let locationSource: LocationSource = 'none';
  let confidence: number | null = null;
  let geocode: GeocodeResult | null = null;
  if (input.location) {
    [lng, lat] = toWgs84(input.location.lng, input.location.lat, input.location.crs ?? 'wgs84');
    chain = input.located !== undefined ? chainOfLocated(input.located) : await repo.locate(c.tx, lng, lat);
    locationSource = 'gps';
  } else {
    // Address only: the offline gazetteer. No match (or only ambiguity below the city) still
    // lands at the city centre, as location_source 'none' says.
    geocode = input.geocoded ?? (await geocodeAddress(c.tx, input.address!, { cityCode: input.cityCode }));
    if (geocode.region) {
      // The geocoder's chain is deepest first; intake's chains run from the city down.
      chain = [...geocode.chain].reverse().map((r) => ({ id: r.id, code: r.code, name: r.name, level: r.level, path: r.path }));
      confidence = geocode.confidence;
      if (geocode.point) {
        lng = geocode.point.lng;
        lat = geocode.point.lat;
        locationSource = 'geocoded_point';
      } else locationSource = 'geocoded_region';
    }
  }
  const outOfRegion = input.location !== undefined && chain === null;
  const geocodedStreet = geocode !== null && geocode.status === 'matched' && geocode.confidence >= GEOCODE_ROUTING_CONFIDENCE;
  const city = chain?.find((r) => r.level === 'city') ?? (await pickCity(c.tx, c.actor, input.cityCode));
  if (!chain) chain = [city];
  const deepest = chain[chain.length - 1]!;
  const at = (level: string) => chain!.find((r) => r.level === level) ?? null;

  if (input.channel === 'patrol' && !outOfRegion && input.location && !coversPath(c.actor, ['grid_worker'], deepest.path)) {
    throw new AppError('forbidden', 'location: grid workers report in their own grids.', [{ field: 'location' }]);
  }

  // The centre that triages: the 12345 hotline, police transfers and integrations land at the
  // city centre; residents' and grid workers' reports at the street (or the deepest centre above).
  const cityLevel = ['hotline', 'police', 'open311', 'import'].includes(input.channel) || outOfRegion || (!input.location && !geocodedStreet);
  const centre = cityLevel ? city : (at('street') ?? at('district') ?? city);

  const user = c.actor.kind === 'user' ? c.actor : null;
  const selfReport = ['web', 'h5', 'patrol'].includes(input.channel) && user !== null;
  let reporterName = input.reporterName ?? null;
  let reporterPhone = input.reporterPhone ?? null;
  if (selfReport) {
    reporterName = user.name;
    reporterPhone = (await getUserById(c.tx, user.id))?.phone ?? null;
  }
  if (cat.needs_contact && !reporterPhone) throw invalid('reporterPhone', 'this category needs a contact phone');
  const level = input.responseLevel ?? cat.default_response_level;
  if (input.responseLevel !== undefined && !hasRole(c.actor, ['operator'])) throw invalid('responseLevel', 'only centre operators set the response level');
  const reportedAt = input.reportedAt ?? c.now;
  const written = await repo.insertReportedCase(
    c,
    {
      publicIdPrefix: PUBLIC_ID_PREFIX[city.code.slice(0, 4)] ?? city.code.slice(0, 4),
      city_code: city.code,
      channel: input.channel,
      category_code: cat.code,
      response_level: level,
      title: input.title ?? null,
      description: input.description,
      attributes,
      private: cat.private,
      lng,
      lat,
      input_lng: input.location?.lng ?? null,
      input_lat: input.location?.lat ?? null,
      input_crs: input.location ? (input.location.crs ?? 'wgs84') : null,
      address: input.address?.trim() || null,
      out_of_region: outOfRegion,
      region_id: deepest.id,
      region_path: deepest.path,
      city_id: city.id,
      district_id: at('district')?.id ?? null,
      street_id: at('street')?.id ?? null,
      community_id: at('community')?.id ?? null,
      grid_id: (at('microgrid') ? chain.filter((r) => r.level === 'grid').pop()?.id : at('grid')?.id) ?? null,
      reporter_user_id: selfReport ? user.id : null,
      reporter_name: reporterName,
      reporter_phone: reporterPhone,
      anonymous: input.anonymous ?? false,
      centre_region_id: centre.id,
      centre_path: centre.path,
      deadline_mode: cat.deadlines[String(level) as '1' | '2' | '3']?.mode ?? 'working',
      reported_at: reportedAt,
      location_source: locationSource,
      location_confidence: confidence,
    },
    { userId: selfReport ? user.id : null, name: reporterName, phone: reporterPhone, anonymous: input.anonymous ?? false },
    {
      data: { channel: input.channel, outOfRegion, centreRegionId: centre.id, categoryCode: cat.code, locationSource, ...(confidence !== null ? { locationConfidence: confidence } : {}) },
      public: !cat.private,
      publicText: '已上报',
    },
    lng !== null && lat !== null
      ? { cityCode: city.code, categoryCode: cat.code, lng, lat, radiusM: cat.duplicate_radius_m, since: new Date(reportedAt.getTime() - cat.duplicate_window_hours * 3_600_000) }
      : null,
    [
      // What recordAudit and announce write after a command, here in the same statement: the
      // case's id and public id exist only inside it.
      (first) => recordAuditPart(c, { action: 'case.report', targetType: 'case', regionId: deepest.id, after: { channel: input.channel, categoryCode: cat.code, outOfRegion, locationSource } }, first, {
        from: 'ins',
        targetIdSql: 'ins.id',
        afterSql: `jsonb_build_object('publicId', ins.public_id)`,
      }),
      (first) => publishEventPart('case.reported', eventPayload(null, {
        city_code: city.code, state: 'reported', region_id: deepest.id, region_path: deepest.path, centre_region_id: centre.id, category_code: cat.code,
        out_of_region: outOfRegion, private: cat.private, category_private: cat.private, lng, lat,
      }, 'report'), first, { from: 'ins', payloadSql: `jsonb_build_object('caseId', ins.id, 'publicId', ins.public_id)` }),
    ],
  );
  const reported = written.view;
  const { id } = reported;
  const duplicates = written.duplicates;

  // Auto-dispatch: a category marked for it, located, with a routing rule and no likely duplicate,
  // skips triage (立案 + 派遣 by the system, on the timeline like any step).
  let autoDispatched = false;
  if (cat.auto_dispatch && !input.oneWrite && !outOfRegion && input.location && duplicates.length === 0 && input.channel !== 'import') {
    const rule = await suggestRouting(c, { category_code: cat.code, region_path: deepest.path });
    if (rule) {
      const sys: TxCtx = { ...c, actor: { kind: 'system', name: 'auto-dispatch' } };
      await runActionInTx(sys, id, 'accept', {});
      await runActionInTx(sys, id, 'dispatch', {});
      autoDispatched = true;
    }
  }
  // Only the auto-dispatch steps changed the row since it was loaded for the announcement.
  return {
    case: autoDispatched ? (await repo.loadCase(c.tx, id))! : reported,
    reporters: written.reporters,
    duplicates,
    autoDispatched,
    location: { source: locationSource, confidence, geocode },
  };
}

/**
 * Whether a report in this category may write more than its one statement (a category that
 * dispatches itself): the route then runs intake in a transaction. Unknown codes: no (intake
 * rejects them with its own error).
 */
export async function mayAutoDispatch(sql: Sql, categoryCode: string): Promise<boolean> {
  return (await getCategoryCached(sql, categoryCode))?.auto_dispatch ?? false;
}

/** The scope an Idempotency-Key lives in: who sent it. */
export function idempotencyScope(actor: Actor): string {
  const a = actorLabel(actor);
  return a.id === null ? a.type : `${a.type}:${a.id}`;
}

export const requestHash = (body: unknown): string => crypto.createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');

/**
 * Runs fn once per (actor, key): a retry with the same body gets the stored answer; another body
 * under the same key is 409. The key is claimed in the same transaction as the work, so a failed
 * attempt leaves no key behind.
 */
export async function withIdempotency<T>(
  c: TxCtx,
  key: string | undefined,
  body: unknown,
  fn: () => Promise<{ status: number; body: T }>,
): Promise<{ status: number; body: T; replayed: boolean }> {
  if (!key) return { ...(await fn()), replayed: false };
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) throw invalid('Idempotency-Key', 'must be 1–200 visible ASCII characters');
  const scope = idempotencyScope(c.actor);
  const hash = requestHash(body);
  const claim = await repo.claimIdempotencyKey(c.tx, scope, key, hash);
  if (!claim.claimed) {
    if (claim.hash !== hash) throw new AppError('idempotency_key_reused', 'Idempotency-Key: this key was already used with a different request body.', [{ field: 'Idempotency-Key' }]);
    return { status: claim.status, body: claim.response as T, replayed: true };
  }
  const out = await fn();
  await repo.storeIdempotentResponse(c.tx, scope, key, out.status, out.body);
  return { ...out, replayed: false };
}

// ---------------------------------------------------------------------------------------------
// read side

export async function caseDetail(sql: Sql, actor: Actor, id: number) {
  const k = await visibleCase(sql, actor, id);
  const [attachments, reporters] = await Promise.all([repo.listAttachments(sql, k), repo.listReporters(sql, k)]);
  return { k, attachments, reporters };
}

export async function duplicatesOf(sql: Sql, actor: Actor, id: number, radiusM?: number, windowHours?: number): Promise<repo.DuplicateRow[]> {
  const k = await visibleCase(sql, actor, id);
  if (k.lng === null || k.lat === null) return [];
  const cat = await repo.getCategory(sql, k.category_code);
  const rows = await repo.findDuplicates(sql, {
    excludeId: k.id,
    cityCode: k.city_code,
    categoryCode: k.category_code,
    lng: k.lng,
    lat: k.lat,
    radiusM: radiusM ?? cat?.duplicate_radius_m ?? 250,
    since: new Date(new Date(k.reported_at).getTime() - (windowHours ?? cat?.duplicate_window_hours ?? 168) * 3_600_000),
  });
  // Only cases this actor may see (or non-private ones, shown without details to non-staff).
  return rows.filter((d) => isStaff(actor) ? coversPath(actor, ['operator', 'supervisor', 'admin', 'analyst', 'grid_worker'], d.region_path) || coversPath(actor, ['operator'], d.centre_path) : !d.private);
}

export async function routingSuggestion(sql: Sql, actor: Actor, id: number) {
  const k = await visibleCase(sql, actor, id);
  if (!isCentreOperator(actor, k) && !isLeadHandler(actor, k)) throw new AppError('forbidden', 'Only the dispatching centre sees routing suggestions.');
  const rule = await suggestRouting({ tx: sql }, k);
  if (!rule) return { rule: null, departments: [] as repo.DepartmentRef[] };
  const departments = await repo.departmentsByIds(sql, [rule.lead_department_id, ...rule.co_department_ids]);
  return { rule, departments };
}

export async function timeline(sql: Sql, actor: Actor, id: number) {
  const k = await visibleCase(sql, actor, id);
  // Staff see the whole timeline; reporters (and co-handlers who are not staff here) the public one.
  const full = isStaff(actor) && !(isReporter(actor, k) && !coversPath(actor, ['operator', 'supervisor', 'admin', 'analyst', 'grid_worker'], k.region_path) && !isLeadHandler(actor, k));
  return { k, events: await repo.listEvents(sql, k, !full), full };
}

/** The public page of a case: never for private categories or private cases. */
export async function publicCase(sql: Sql, publicId: string) {
  const k = await repo.loadCaseByPublicId(sql, publicId);
  if (!k || k.private || k.category_private) throw new AppError('not_found', `No public case ${publicId}.`);
  const [cat, attachments, events] = await Promise.all([repo.getCategory(sql, k.category_code), repo.listAttachments(sql, k), repo.listEvents(sql, k, true)]);
  let mergedInto: string | null = null;
  if (k.merged_into) mergedInto = (await repo.loadCase(sql, k.merged_into))?.public_id ?? null;
  return { k, cat, attachments, events, mergedInto };
}

export function encodeCursor(r: { cursor_us: string; id: number }): string {
  return Buffer.from(`${r.cursor_us}:${r.id}`).toString('base64url');
}
export function decodeCursor(s: string): { us: string; id: number } {
  const m = /^(\d{1,20}):(\d{1,18})$/.exec(Buffer.from(s, 'base64url').toString());
  if (!m) throw invalid('cursor', 'is not a cursor this server gave out');
  return { us: m[1]!, id: Number(m[2]) };
}

// ---------------------------------------------------------------------------------------------
// attachments and files

export type AttachmentKind = AttachmentRow['kind'];

function mayUpload(actor: Actor, k: CaseView, kind: AttachmentKind): boolean {
  if (actor.kind === 'system') return true;
  if (kind === 'report') return isReporter(actor, k) || isCentreOperator(actor, k) || coversPath(actor, ['grid_worker'], k.region_path);
  if (kind === 'evidence') return isLeadHandler(actor, k);
  return coversPath(actor, ['grid_worker'], k.region_path) || isReporter(actor, k) || isCentreOperator(actor, k);
}

/** A store failure is the store's outage, not our bug: 503, retry later. */
async function viaStore<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // The reason (status, S3 error code) goes to the log through `cause`, not into the 5xx body.
    if (e instanceof FileStoreError) throw Object.assign(new AppError('file_store_unavailable'), { cause: e });
    throw e;
  }
}

async function storeBytes(store: FileStore, bytes: Buffer, mime: string): Promise<string> {
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  await viaStore(() => store.put(sha, bytes, mime));
  return sha;
}

/** `fileStore`: where files go (or, for older callers, the data folder: the local store). */
export async function addAttachments(
  db: Database,
  ctx: Ctx,
  fileStore: FileStoreLike,
  id: number,
  kind: AttachmentKind,
  files: { field: string; fileName: string | null; bytes: Buffer }[],
): Promise<AttachmentRow[]> {
  const k = await visibleCase(db, ctx.actor, id);
  if (!mayUpload(ctx.actor, k, kind)) throw new AppError('forbidden', `You may not add ${kind} files to case ${k.public_id}.`);
  if (files.length === 0) throw invalid('file', 'send at least one file part');
  // Decoding and writing files happen outside the transaction (the embedded database is one
  // connection); content addressing makes a file written for a failed request harmless.
  const processed: { f: (typeof files)[number]; img: Awaited<ReturnType<typeof processImage>>; sha: string; publicSha: string }[] = [];
  // Every file is checked before any is written: one bad part writes nothing.
  const images = [];
  for (const f of files) images.push({ f, img: await processImage(f.bytes, f.field) });
  const store = asFileStore(fileStore);
  for (const { f, img } of images) {
    const sha = await storeBytes(store, f.bytes, img.mime);
    const publicSha = await storeBytes(store, img.publicBytes, img.publicMime);
    processed.push({ f, img, sha, publicSha });
  }
  return inTx(db, ctx, async (c) => {
    const who = actorLabel(c.actor);
    const out: AttachmentRow[] = [];
    for (const p of processed) {
      out.push(
        await repo.insertAttachment(c.tx, k, {
          kind,
          sha256: p.sha,
          public_sha256: p.publicSha,
          mime: p.img.mime,
          public_mime: p.img.publicMime,
          size_bytes: p.f.bytes.length,
          width: p.img.width,
          height: p.img.height,
          file_name: p.f.fileName,
          uploaded_by_type: who.type,
          uploaded_by_id: who.id,
        }, c.now),
      );
    }
    await repo.insertEvent(c, k, { type: 'attachment_added', from: k.state, to: k.state, data: { kind, attachmentIds: out.map((a) => a.id) } });
    await recordAudit(c, { action: 'case.attach', targetType: 'case', targetId: k.id, regionId: k.region_id, after: { kind, attachmentIds: out.map((a) => a.id) } });
    return out;
  });
}

/**
 * A stored file for this actor: the original only to its uploader; the public (EXIF-free) copy to
 * whoever may see the case, and to anyone for a public case.
 */
export async function fileFor(sql: Sql, actor: Actor, files: FileStoreLike, sha: string): Promise<{ bytes: Buffer; mime: string }> {
  const atts = await repo.attachmentsBySha(sql, sha);
  for (const a of atts) {
    // Re-encoding can reproduce the uploaded bytes exactly (a clean PNG): then it is the public copy.
    const original = a.public_sha256 !== sha;
    const uploader = actor.kind !== 'anonymous' && actor.kind !== 'system' && a.uploaded_by_type === actor.kind && a.uploaded_by_id === actor.id;
    let allowed = false;
    if (original) allowed = uploader || actor.kind === 'system';
    else {
      const k = await repo.loadCase(sql, a.case_id);
      allowed = !!k && (canView(actor, k) || (!k.private && !k.category_private && a.kind !== 'verification'));
    }
    if (!allowed) continue;
    const bytes = await viaStore(() => asFileStore(files).get(sha));
    if (bytes) return { bytes, mime: original ? a.mime : a.public_mime };
  }
  throw new AppError('not_found', 'No such file.');
}

// ---------------------------------------------------------------------------------------------
// categories and routing rules

export type { CategoryRow };
