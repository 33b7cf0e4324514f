/** The demo city's case history (seeded by `gongzhi seed demo` / the first `npm start`). */
export { seedDemoCases, DEFAULT_DEMO_CASES, DEMO_DISTRICT, type SeedDemoCasesOptions, type SeedDemoCasesResult } from './seed.js';
export { planDemoHistory, SCENARIOS, type CasePlan, type PlannedStep, type Scenario } from './plan.js';
