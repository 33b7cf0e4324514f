/** Every workflow step, by action name: the runner, the routes and the docs read this list. */
import type { CaseAction } from '../cases.states.js';
import { acceptCase } from './accept-case.js';
import { callbackCase } from './callback-case.js';
import { classifyCase } from './classify-case.js';
import { closeCase } from './close-case.js';
import { decideExtensionCase } from './decide-extension-case.js';
import { dispatchCase } from './dispatch-case.js';
import { dispatchDownCase } from './dispatch-down-case.js';
import { escalateCase } from './escalate-case.js';
import { handleCase } from './handle-case.js';
import { mergeCase } from './merge-case.js';
import { rejectCase } from './reject-case.js';
import { requestExtensionCase } from './request-extension-case.js';
import { resumeCase } from './resume-case.js';
import { returnCase } from './return-case.js';
import { signForCase } from './sign-for-case.js';
import { startCase } from './start-case.js';
import { suspendCase } from './suspend-case.js';
import type { CaseCommand } from './types.js';
import { verifyCase } from './verify-case.js';

export const COMMANDS: Record<CaseAction, CaseCommand> = {
  accept: acceptCase as unknown as CaseCommand,
  reject: rejectCase as unknown as CaseCommand,
  classify: classifyCase as unknown as CaseCommand,
  dispatch: dispatchCase as unknown as CaseCommand,
  escalate: escalateCase as unknown as CaseCommand,
  'dispatch-down': dispatchDownCase as unknown as CaseCommand,
  merge: mergeCase as unknown as CaseCommand,
  'sign-for': signForCase as unknown as CaseCommand,
  return: returnCase as unknown as CaseCommand,
  start: startCase as unknown as CaseCommand,
  handle: handleCase as unknown as CaseCommand,
  'request-extension': requestExtensionCase as unknown as CaseCommand,
  'decide-extension': decideExtensionCase as unknown as CaseCommand,
  suspend: suspendCase as unknown as CaseCommand,
  resume: resumeCase as unknown as CaseCommand,
  verify: verifyCase as unknown as CaseCommand,
  close: closeCase as unknown as CaseCommand,
  callback: callbackCase as unknown as CaseCommand,
};

export type { CaseCommand, CommandOutcome } from './types.js';
