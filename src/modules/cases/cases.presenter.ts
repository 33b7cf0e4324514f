/**
 * Rows → API JSON. The staff view carries `actions` (state machine ∩ policy) so the web app never
 * re-implements the rules; reporters are shown, masked or hidden per cases.policy.ts; the public
 * view carries no names, phones or internal notes.
 */
import { maskPhone as maskPhoneText } from '../../platform/mask.js';
import type { Actor } from '../../platform/actor.js';
import { actionsFor, seesFullPhone, seesReporter } from './cases.policy.js';
import type { ReporterRow, DuplicateRow } from './cases.repository.js';
import type { AttachmentRow, CaseEventRow, CaseRow, CaseView, CategoryRow } from './cases.types.js';

/** The platform's phone mask (138****1234), passing null through. */
export function maskPhone(phone: string | null): string | null {
  return phone ? maskPhoneText(phone) : null;
}

/** Mobile numbers written into free text are masked before the public sees it. */
export const redactText = (s: string | null): string | null => (s === null ? null : s.replace(/(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g, '$1****$2'));

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function fileUrl(sha: string): string {
  return `/api/files/${sha}`;
}

export function presentAttachment(a: AttachmentRow, viewerSeesOriginal: boolean) {
  return {
    id: a.id,
    kind: a.kind,
    mime: viewerSeesOriginal ? a.mime : a.public_mime,
    sha256: viewerSeesOriginal ? a.sha256 : a.public_sha256,
    url: fileUrl(viewerSeesOriginal ? a.sha256 : a.public_sha256),
    width: a.width,
    height: a.height,
    createdAt: iso(a.created_at),
  };
}

const isUploader = (actor: Actor, a: AttachmentRow): boolean => actor.kind !== 'anonymous' && actor.kind !== 'system' && a.uploaded_by_type === actor.kind && a.uploaded_by_id === actor.id;

export function presentCaseSummary(k: CaseRow) {
  return {
    id: k.id,
    publicId: k.public_id,
    cityCode: k.city_code,
    state: k.state,
    channel: k.channel,
    categoryCode: k.category_code,
    responseLevel: k.response_level,
    title: k.title,
    description: k.description,
    location: k.lng === null || k.lat === null ? null : { lng: k.lng, lat: k.lat },
    address: k.address,
    outOfRegion: k.out_of_region,
    regionId: k.region_id,
    centreRegionId: k.centre_region_id,
    leadDepartmentId: k.lead_department_id,
    overdue: Boolean(k.sign_for_overdue_at || k.handle_overdue_at || k.verify_overdue_at),
    reportedAt: iso(k.reported_at),
    updatedAt: iso(k.updated_at),
    version: k.version,
  };
}

export function presentCase(
  actor: Actor,
  k: CaseView,
  extra: { attachments?: AttachmentRow[]; reporters?: ReporterRow[]; duplicates?: DuplicateRow[] } = {},
) {
  const showReporter = seesReporter(actor, k);
  const fullPhone = seesFullPhone(actor, k);
  const reporters = showReporter
    ? (extra.reporters ?? []).map((r) => ({
        userId: r.user_id,
        name: r.anonymous && !fullPhone ? null : r.name,
        phone: r.anonymous && !fullPhone ? null : fullPhone ? r.phone : maskPhone(r.phone),
        anonymous: r.anonymous,
        sourceCaseId: r.source_case_id,
      }))
    : null;
  return {
    ...presentCaseSummary(k),
    suspendedFrom: k.suspended_from,
    attributes: k.attributes,
    private: k.private,
    input: k.input_lng === null ? null : { lng: k.input_lng, lat: k.input_lat, crs: k.input_crs },
    locationSource: { source: k.location_source, confidence: k.location_confidence },
    regionPath: k.region_path,
    regionIds: { city: k.city_id, district: k.district_id, street: k.street_id, community: k.community_id, grid: k.grid_id },
    centrePath: k.centre_path,
    coDepartmentIds: k.co_department_ids,
    routingRuleId: k.routing_rule_id,
    reporter: showReporter
      ? { anonymous: k.anonymous, name: k.anonymous && !fullPhone ? null : k.reporter_name, phone: k.anonymous && !fullPhone ? null : fullPhone ? k.reporter_phone : maskPhone(k.reporter_phone) }
      : { hidden: true as const, anonymous: k.anonymous },
    reporters,
    deadlines: {
      mode: k.deadline_mode,
      signFor: { dueAt: iso(k.sign_for_due_at), warnedAt: iso(k.sign_for_warned_at), overdueAt: iso(k.sign_for_overdue_at) },
      handle: { dueAt: iso(k.handle_due_at), warnedAt: iso(k.handle_warned_at), overdueAt: iso(k.handle_overdue_at) },
      verify: { dueAt: iso(k.verify_due_at), warnedAt: iso(k.verify_warned_at), overdueAt: iso(k.verify_overdue_at) },
    },
    suspendedAt: iso(k.suspended_at),
    suspendedMs: k.suspended_ms,
    pendingExtension: k.pending_extension,
    counters: { returns: k.return_count, transfers: k.transfer_count, reopens: k.reopen_count, reworks: k.rework_count, escalations: k.escalation_count },
    mergedInto: k.merged_into,
    notAcceptedReason: k.not_accepted_reason,
    handlingSummary: k.handling_summary,
    satisfaction: k.satisfaction,
    satisfactionComment: k.satisfaction_comment,
    timestamps: {
      reportedAt: iso(k.reported_at),
      acceptedAt: iso(k.accepted_at),
      dispatchedAt: iso(k.dispatched_at),
      signedAt: iso(k.signed_at),
      startedAt: iso(k.started_at),
      handledAt: iso(k.handled_at),
      verifiedAt: iso(k.verified_at),
      closedAt: iso(k.closed_at),
      evaluatedAt: iso(k.evaluated_at),
    },
    attachments: (extra.attachments ?? []).map((a) => presentAttachment(a, isUploader(actor, a))),
    ...(extra.duplicates ? { duplicates: extra.duplicates.map((d) => presentDuplicate(actor, d, true)) } : {}),
    actions: actionsFor(actor, k),
  };
}

export function presentDuplicate(_actor: Actor, d: DuplicateRow, staff: boolean) {
  return {
    id: staff ? d.id : null,
    publicId: d.public_id,
    state: d.state,
    categoryCode: d.category_code,
    distanceM: d.distance_m,
    reportedAt: iso(d.reported_at),
    description: staff ? d.description : null,
  };
}

export function presentEvent(e: CaseEventRow) {
  return {
    id: e.id,
    at: iso(e.at),
    type: e.type,
    fromState: e.from_state,
    toState: e.to_state,
    actor: { type: e.actor_type, id: e.actor_id, name: e.actor_name },
    departmentId: e.department_id,
    data: e.data,
    public: e.public,
    publicText: e.public_text,
  };
}

export function presentPublicEvent(e: CaseEventRow) {
  return { at: iso(e.at), type: e.type, state: e.to_state, text: e.public_text };
}

export function presentPublicCase(k: CaseView, cat: CategoryRow | null, attachments: AttachmentRow[]) {
  return {
    publicId: k.public_id,
    state: k.state,
    category: { code: k.category_code, nameZh: cat?.name_zh ?? null, nameEn: cat?.name_en ?? null },
    description: redactText(k.description),
    location: k.lng === null || k.lat === null ? null : { lng: k.lng, lat: k.lat },
    address: redactText(k.address),
    notAcceptedReason: k.not_accepted_reason,
    reportedAt: iso(k.reported_at),
    closedAt: iso(k.closed_at),
    mergedInto: null as string | null,
    photos: attachments.filter((a) => a.kind !== 'verification').map((a) => ({ kind: a.kind, url: fileUrl(a.public_sha256), mime: a.public_mime })),
  };
}

export function presentCategory(c: CategoryRow) {
  return {
    code: c.code,
    parentCode: c.parent_code,
    level: c.level,
    nameZh: c.name_zh,
    nameEn: c.name_en,
    description: c.description,
    keywords: c.keywords,
    defaultResponseLevel: c.default_response_level,
    deadlines: c.deadlines,
    attributes: c.attributes,
    private: c.private,
    autoDispatch: c.auto_dispatch,
    needsContact: c.needs_contact,
    duplicateRadiusM: c.duplicate_radius_m,
    duplicateWindowHours: c.duplicate_window_hours,
    sort: c.sort,
    active: c.active,
  };
}
