/**
 * Who may do what to which case: role × action × region scope, in one table.
 *
 * - centre operators act on cases whose dispatching centre lies inside their grant (a higher
 *   centre may always step in below it; after escalation the lower centre only watches);
 * - handlers act only on cases dispatched to their department (lead); co-handlers see them;
 * - grid workers report in, and verify in, their grids;
 * - reporters follow their own cases, verify them and answer the callback.
 * Seeing a case (`canView`) is decided by the same predicates as the region-scoped list query in
 * the repository; a case the actor may not see answers 404 like a missing one.
 */
import { coversPath, grantsWith, hasRole, isAuthenticated, requireRole, type Actor, type Role } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { canStart, type CaseAction } from './cases.states.js';
import type { CaseView, Channel } from './cases.types.js';

/** Roles that see every case in their region scope. */
export const REGION_VIEW_ROLES: readonly Role[] = ['operator', 'supervisor', 'admin', 'analyst', 'grid_worker'];

export const departmentIdsOf = (a: Actor): number[] =>
  grantsWith(a, ['handler'])
    .map((g) => g.departmentId)
    .filter((d): d is number => d !== null);

const userId = (a: Actor): number | null => (a.kind === 'user' ? a.id : null);

export const isReporter = (a: Actor, k: Pick<CaseView, 'reporter_user_ids'>): boolean => {
  const id = userId(a);
  return id !== null && k.reporter_user_ids.includes(id);
};

export const isCentreOperator = (a: Actor, k: Pick<CaseView, 'centre_path'>): boolean => coversPath(a, ['operator'], k.centre_path);
export const isLeadHandler = (a: Actor, k: Pick<CaseView, 'lead_department_id'>): boolean =>
  a.kind === 'system' || (k.lead_department_id !== null && departmentIdsOf(a).includes(k.lead_department_id));
const isGridWorker = (a: Actor, k: Pick<CaseView, 'region_path'>): boolean => a.kind !== 'system' && coversPath(a, ['grid_worker'], k.region_path);

export function canView(a: Actor, k: CaseView): boolean {
  if (a.kind === 'system') return true;
  if (coversPath(a, REGION_VIEW_ROLES, k.region_path) || coversPath(a, REGION_VIEW_ROLES, k.centre_path)) return true;
  const depts = departmentIdsOf(a);
  if (depts.length > 0 && ((k.lead_department_id !== null && depts.includes(k.lead_department_id)) || k.co_department_ids.some((d) => depts.includes(d)))) return true;
  return isReporter(a, k);
}

type Rule = (a: Actor, k: CaseView) => boolean;
const centre: Rule = (a, k) => isCentreOperator(a, k);
const lead: Rule = (a, k) => isLeadHandler(a, k);

const RULES: Record<CaseAction, Rule> = {
  accept: centre,
  reject: centre,
  classify: centre,
  dispatch: centre,
  escalate: centre,
  'dispatch-down': centre,
  merge: centre,
  'sign-for': lead,
  return: lead,
  start: lead,
  handle: lead,
  'request-extension': lead,
  'decide-extension': centre,
  suspend: (a, k) => centre(a, k) || lead(a, k),
  resume: (a, k) => centre(a, k) || lead(a, k),
  // 核查: the grid worker of the place, the reporter, or the centre when nobody else can.
  verify: (a, k) => isGridWorker(a, k) || isReporter(a, k) || centre(a, k),
  close: centre,
  // 回访: the centre calls back, or the reporter rates it themselves.
  callback: (a, k) => centre(a, k) || isReporter(a, k),
};

export const mayAct = (a: Actor, action: CaseAction, k: CaseView): boolean => RULES[action](a, k);

/** The steps this actor may take next: state machine ∩ policy (what the presenter shows). */
export const actionsFor = (a: Actor, k: CaseView): CaseAction[] =>
  (Object.keys(RULES) as CaseAction[]).filter((act) => canStart(k.state, act) && mayAct(a, act, k));

export function authorizeAction(a: Actor, action: CaseAction, k: CaseView): void {
  if (!isAuthenticated(a) && a.kind !== 'system') throw new AppError('unauthenticated');
  if (!mayAct(a, action, k)) throw new AppError('forbidden', `You may not ${action} case ${k.public_id}.`, { action });
}

/**
 * Who may report through which channel. Residents (and people not logged in) use web/h5; grid
 * workers patrol; centre operators enter hotline calls and police transfers; integrations (API
 * keys) and the system use open311/import.
 */
export function authorizeChannel(a: Actor, channel: Channel): void {
  switch (channel) {
    case 'web':
    case 'h5':
      return;
    case 'patrol':
      requireRole(a, ['grid_worker']);
      return;
    case 'hotline':
    case 'police':
      requireRole(a, ['operator']);
      return;
    case 'open311':
      if (a.kind === 'system' || a.kind === 'api_key') return;
      throw new AppError('forbidden', 'channel: open311 is for integrations (API keys) only.');
    case 'import':
      if (a.kind === 'system') return;
      requireRole(a, ['admin']);
      return;
  }
}

/** Does the actor see reporters' names and phones on this case? */
export function seesReporter(a: Actor, k: CaseView): boolean {
  if (isReporter(a, k)) return true;
  if (k.anonymous) return false;
  if (a.kind === 'system') return true;
  if (isCentreOperator(a, k) || coversPath(a, ['operator', 'admin'], k.region_path)) return true;
  // Departments see the problem, not the reporter, unless the category needs contact.
  return k.category_needs_contact && isLeadHandler(a, k);
}

/** Full phone numbers only for the centre that calls reporters back. */
export const seesFullPhone = (a: Actor, k: CaseView): boolean => a.kind === 'system' || isReporter(a, k) || isCentreOperator(a, k);

export const mayManageCategories = (a: Actor): void => requireRole(a, ['admin']);
export const mayList = (a: Actor): void => {
  if (!isAuthenticated(a)) throw new AppError('unauthenticated');
};
export const isStaff = (a: Actor): boolean => hasRole(a, ['operator', 'supervisor', 'admin', 'analyst', 'grid_worker', 'handler']);

/** The working-day calendar: every member of staff reads it (deadlines are computed on it); admins change it. */
export const mayReadCalendar = (a: Actor): void => {
  if (!isAuthenticated(a)) throw new AppError('unauthenticated');
  // Everyone who works in the system (mediators and volunteer admins too); residents do not need it.
  if (a.kind !== 'system' && !hasRole(a, ['operator', 'supervisor', 'admin', 'analyst', 'grid_worker', 'handler', 'mediator', 'volunteer_admin'])) {
    throw new AppError('forbidden', 'The working-day calendar is for staff.');
  }
};
export const mayManageCalendar = (a: Actor): void => requireRole(a, ['admin']);

/** Bulk triage: an operator (or the system); each case is then checked against the step's own policy. */
export const mayBulk = (a: Actor): void => requireRole(a, ['operator']);
