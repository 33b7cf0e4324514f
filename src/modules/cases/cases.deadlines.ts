/**
 * Every deadline of a case is computed through here: working time on the holiday calendar
 * (China's public holidays and make-up working days, Asia/Shanghai; src/modules/cases/sla), kept
 * process-wide by the SLA scheduler (loaded at start, reloaded every few minutes), or calendar
 * hours for response level 1.
 */
export { computeDeadline, workingMsBetween, shiftDeadline } from './scheduler/deadlines.js';
