/**
 * Who may see KPIs and supervision tickets, over which regions. KPIs: analysts (leaders' staff),
 * centre operators, supervisors and admins over a region subtree. Tickets: the centre they were
 * opened at (its operators, and those of the centres above) and supervisors; closing one is for
 * operators and supervisors covering its region. Out of scope answers 404 like a missing object.
 */
import { coversPath, grantsWith, requireRole, scopePaths, type Actor, type Role } from '../../../platform/actor.js';
import { AppError } from '../../../platform/errors.js';

export const KPI_ROLES: readonly Role[] = ['analyst', 'operator', 'supervisor', 'admin'];
export const TICKET_VIEW_ROLES: readonly Role[] = ['operator', 'supervisor', 'admin'];
export const TICKET_CLOSE_ROLES: readonly Role[] = ['operator', 'supervisor'];

export function authorizeKpi(actor: Actor): void {
  requireRole(actor, KPI_ROLES);
}

export const mayViewKpisOf = (actor: Actor, regionPath: string): boolean => coversPath(actor, KPI_ROLES, regionPath);

/** The region a KPI request is about when it names none: the actor's broadest KPI grant. */
export function defaultKpiRegionPath(actor: Actor): string | null {
  const paths = scopePaths(actor, KPI_ROLES);
  if (paths === null) return null;
  return paths.length === 1 ? paths[0]! : null;
}

export function authorizeTicketList(actor: Actor): void {
  requireRole(actor, TICKET_VIEW_ROLES);
}

export const ticketScope = (actor: Actor): string[] | null => scopePaths(actor, TICKET_VIEW_ROLES);

export const mayViewTicket = (actor: Actor, regionPath: string): boolean => coversPath(actor, TICKET_VIEW_ROLES, regionPath);

/** Call after the ticket was found in the actor's view scope (else it is a 404). */
export function authorizeTicketClose(actor: Actor, regionPath: string): void {
  requireRole(actor, TICKET_VIEW_ROLES);
  if (!coversPath(actor, TICKET_CLOSE_ROLES, regionPath)) {
    throw new AppError('forbidden', 'Only the operators of the supervising centre and supervisors close a supervision ticket.');
  }
}

export const actorUserId = (actor: Actor): number | null => (actor.kind === 'user' ? actor.id : null);

export const hasAnyKpiGrant = (actor: Actor): boolean => actor.kind === 'system' || grantsWith(actor, KPI_ROLES).length > 0;
