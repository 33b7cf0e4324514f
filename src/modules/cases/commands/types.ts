/** What one workflow step is: its input schema and the change it makes (the runner does the rest). */
import { Type, type TObject, type TProperties, type Static } from '@sinclair/typebox';
import type { TxCtx } from '../../../platform/context.js';
import type { CaseAction, CaseState } from '../cases.states.js';
import type { CaseView } from '../cases.types.js';

export interface CommandOutcome {
  /** The state after the step (the same state for steps that do not move it). */
  to: CaseState;
  /** Columns to set on case_file (whitelisted in the repository). */
  set?: Record<string, unknown>;
  /** The timeline event. `publicText` is what the public timeline shows; omit for staff-only. */
  event: { type: string; data?: Record<string, unknown>; publicText?: string | null; departmentId?: number | null };
  /** Who the outbox row asks the notifier to tell. */
  notify?: { reporters?: boolean; departmentIds?: number[]; callbackRequested?: boolean };
  /** Further writes in the same transaction, after the case row was updated (merge, tickets). */
  afterWrite?: (c: TxCtx, k: CaseView) => Promise<void>;
}

export interface CaseCommand<S extends TObject = TObject> {
  action: CaseAction;
  /** Short description for OpenAPI and docs. */
  summary: string;
  body: S;
  run(c: TxCtx, k: CaseView, body: Static<S>): Promise<CommandOutcome>;
}

/** Every step body accepts the version the client last saw: a stale one is a 409 conflict. */
export const stepBody = <P extends TProperties>(props: P) =>
  Type.Object({ ...props, version: Type.Optional(Type.Integer({ minimum: 1, description: 'the case version the client saw (optimistic check)' })) }, { additionalProperties: false });

export const reasonField = (description: string) => Type.String({ minLength: 2, maxLength: 2000, description });

export const defineCommand = <S extends TObject>(c: CaseCommand<S>): CaseCommand<S> => c;
