/** Row shapes of the cases module (as the repository returns them: the table's own column names). */
import type { CaseState } from './cases.states.js';

export const CHANNELS = ['web', 'h5', 'patrol', 'hotline', 'police', 'open311', 'import'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CRS = ['wgs84', 'cgcs2000', 'gcj02', 'bd09'] as const;
export type CaseCrs = (typeof CRS)[number];

export type DeadlineMode = 'working' | 'calendar';
export interface LevelDeadlines {
  mode: DeadlineMode;
  sign_for: number;
  handle: number;
  verify: number;
}
export type Deadlines = Record<'1' | '2' | '3', LevelDeadlines>;

export const ATTRIBUTE_TYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] as const;
export interface AttributeDef {
  code: string;
  datatype: (typeof ATTRIBUTE_TYPES)[number];
  required: boolean;
  description: string;
  order?: number;
  values?: { key: string; name: string }[];
}

export interface CategoryRow {
  code: string;
  parent_code: string | null;
  level: 1 | 2;
  name_zh: string;
  name_en: string;
  description: string | null;
  keywords: string[];
  default_response_level: 1 | 2 | 3;
  deadlines: Deadlines;
  attributes: AttributeDef[];
  private: boolean;
  auto_dispatch: boolean;
  needs_contact: boolean;
  duplicate_radius_m: number;
  duplicate_window_hours: number;
  sort: number;
  active: boolean;
}

export interface CaseRow {
  id: number;
  city_code: string;
  public_id: string;
  state: CaseState;
  suspended_from: CaseState | null;
  channel: Channel;
  category_code: string;
  response_level: 1 | 2 | 3;
  title: string | null;
  description: string;
  attributes: Record<string, unknown>;
  private: boolean;
  lng: number | null;
  lat: number | null;
  input_lng: number | null;
  input_lat: number | null;
  input_crs: CaseCrs | null;
  address: string | null;
  out_of_region: boolean;
  region_id: number;
  region_path: string;
  city_id: number | null;
  district_id: number | null;
  street_id: number | null;
  community_id: number | null;
  grid_id: number | null;
  reporter_user_id: number | null;
  reporter_name: string | null;
  reporter_phone: string | null;
  anonymous: boolean;
  centre_region_id: number;
  centre_path: string;
  lead_department_id: number | null;
  co_department_ids: number[];
  routing_rule_id: number | null;
  deadline_mode: DeadlineMode;
  sign_for_due_at: Date | null;
  sign_for_warned_at: Date | null;
  sign_for_overdue_at: Date | null;
  handle_due_at: Date | null;
  handle_warned_at: Date | null;
  handle_overdue_at: Date | null;
  verify_due_at: Date | null;
  verify_warned_at: Date | null;
  verify_overdue_at: Date | null;
  suspended_at: Date | null;
  suspended_ms: number;
  pending_extension: { hours: number; reason: string; requestedAt: string; requestedBy: string } | null;
  return_count: number;
  transfer_count: number;
  reopen_count: number;
  rework_count: number;
  escalation_count: number;
  merged_into: number | null;
  not_accepted_reason: string | null;
  handling_summary: string | null;
  satisfaction: 'satisfied' | 'basically_satisfied' | 'dissatisfied' | null;
  satisfaction_comment: string | null;
  version: number;
  reported_at: Date;
  accepted_at: Date | null;
  dispatched_at: Date | null;
  signed_at: Date | null;
  started_at: Date | null;
  handled_at: Date | null;
  verified_at: Date | null;
  closed_at: Date | null;
  evaluated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A case as commands and the policy see it: the row plus who reported it (merged reporters too). */
export interface CaseView extends CaseRow {
  reporter_user_ids: number[];
  /** How the point/region was found at intake: gps | geocoded_point | geocoded_region | none (NULL for imported rows). */
  location_source: string | null;
  location_confidence: number | null;
  category_private: boolean;
  category_needs_contact: boolean;
}

export interface CaseEventRow {
  id: number;
  case_id: number;
  at: Date;
  type: string;
  from_state: string | null;
  to_state: string | null;
  actor_type: string;
  actor_id: number | null;
  actor_name: string;
  department_id: number | null;
  data: Record<string, unknown>;
  public: boolean;
  public_text: string | null;
}

export interface AttachmentRow {
  id: number;
  case_id: number;
  kind: 'report' | 'evidence' | 'verification';
  sha256: string;
  public_sha256: string;
  mime: string;
  public_mime: string;
  size_bytes: number;
  width: number | null;
  height: number | null;
  file_name: string | null;
  uploaded_by_type: string;
  uploaded_by_id: number | null;
  created_at: Date;
}
