/**
 * The case state machine, in one place. Commands, the guard and the presenter's `actions` all read
 * this table, so a step is possible exactly when this file says so.
 *
 *   reported ─accept→ accepted ─dispatch→ dispatched ─sign-for→ signed ─start→ in_progress ─handle→ handled
 *      │                 ↑  │                 │                    │                                   │
 *      └─reject→ not_accepted  └─────────── returned ←─return──────┘                                   │
 *                                                                            verify fail (返工) ← ──────┤
 *                                                                                         verify pass ↓
 *                                      callback dissatisfied (发回重办) → dispatched   verified ─close→ closed ─callback→ evaluated
 */
import { AppError } from '../../platform/errors.js';

export const STATES = [
  'reported', // 上报: waiting for triage at a centre
  'not_accepted', // 不予立案 (final; the reason is shown to the reporter)
  'accepted', // 立案: waiting for dispatch
  'dispatched', // 派遣: waiting for the lead department to sign for it
  'returned', // 退回: the department sent it back to the dispatching centre
  'signed', // 签收
  'in_progress', // 处置中 (also after 返工)
  'handled', // 处置反馈: waiting for verification
  'verified', // 核查通过: waiting for closure
  'closed', // 结案: waiting for the callback
  'evaluated', // 回访 done (final)
  'suspended', // 挂起: clock stopped; resumes into suspended_from
  'merged', // 合并 into another case (final)
  'cancelled', // 撤销: withdrawn before handling; only historical imports carry it so far (final)
  'referred', // 转出: handed to a system outside this platform; historical imports (final)
] as const;
export type CaseState = (typeof STATES)[number];

export const OPEN_STATES: readonly CaseState[] = ['reported', 'accepted', 'dispatched', 'returned', 'signed', 'in_progress', 'handled', 'verified', 'suspended'];
export const FINAL_STATES: readonly CaseState[] = ['not_accepted', 'evaluated', 'merged', 'cancelled', 'referred'];

export const ACTIONS = [
  'accept',
  'reject',
  'classify',
  'dispatch',
  'escalate',
  'dispatch-down',
  'merge',
  'sign-for',
  'return',
  'start',
  'handle',
  'request-extension',
  'decide-extension',
  'suspend',
  'resume',
  'verify',
  'close',
  'callback',
] as const;
export type CaseAction = (typeof ACTIONS)[number];

const TRIAGE: CaseState[] = ['reported', 'accepted', 'returned'];

/** For each step: the states it may start from and the states it may lead to ('same' = unchanged). */
export const TRANSITIONS: Record<CaseAction, { from: readonly CaseState[]; to: readonly (CaseState | 'same')[] }> = {
  accept: { from: ['reported'], to: ['accepted'] },
  reject: { from: ['reported'], to: ['not_accepted'] },
  classify: { from: TRIAGE, to: ['same'] },
  dispatch: { from: ['accepted', 'returned'], to: ['dispatched'] },
  escalate: { from: TRIAGE, to: ['same'] },
  'dispatch-down': { from: TRIAGE, to: ['same'] },
  merge: { from: TRIAGE, to: ['merged'] },
  'sign-for': { from: ['dispatched'], to: ['signed'] },
  return: { from: ['dispatched', 'signed'], to: ['returned'] },
  start: { from: ['signed'], to: ['in_progress'] },
  handle: { from: ['signed', 'in_progress'], to: ['handled'] },
  'request-extension': { from: ['signed', 'in_progress'], to: ['same'] },
  'decide-extension': { from: ['signed', 'in_progress', 'suspended'], to: ['same'] },
  suspend: { from: ['dispatched', 'signed', 'in_progress'], to: ['suspended'] },
  // Resumes into the state it was suspended from.
  resume: { from: ['suspended'], to: ['dispatched', 'signed', 'in_progress'] },
  verify: { from: ['handled'], to: ['verified', 'in_progress'] },
  close: { from: ['verified'], to: ['closed'] },
  callback: { from: ['closed'], to: ['evaluated', 'dispatched'] },
};

export const canStart = (state: CaseState, action: CaseAction): boolean => TRANSITIONS[action].from.includes(state);

/** Steps the state machine allows from a state (before any policy). */
export const stepsFrom = (state: CaseState): CaseAction[] => ACTIONS.filter((a) => canStart(state, a));

/** The guard: a 409 that names the current state and what is possible from there. */
export function guard(state: CaseState, action: CaseAction, publicId: string): void {
  if (canStart(state, action)) return;
  const possible = stepsFrom(state);
  throw new AppError(
    'invalid_state',
    `Case ${publicId} is ${state}: "${action}" is not possible now. ${possible.length ? `Possible steps: ${possible.join(', ')}.` : 'No further steps are possible.'}`,
    { state, action, possible },
  );
}

/** Asserts a command only leads where the table allows (a programming error otherwise). */
export function checkTarget(from: CaseState, action: CaseAction, to: CaseState): void {
  const allowed = TRANSITIONS[action].to;
  if (!(allowed.includes(to) || (to === from && allowed.includes('same')))) {
    throw new Error(`state machine: ${action} may not lead from ${from} to ${to}`);
  }
}
