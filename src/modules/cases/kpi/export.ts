/** The KPI table as CSV and as an Excel workbook: one row per group, numerators and denominators beside every rate. */
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { KpiFigures, KpiRow, Ratio } from './kpi.service.js';

const H = 3_600_000;
const hours = (ms: number | null): number | null => (ms === null ? null : Math.round((ms / H) * 100) / 100);
const pct = (r: Ratio): number | null => (r.rate === null ? null : Math.round(r.rate * 10_000) / 100);

/** Column header (zh / en) and value. */
const COLUMNS: Array<[string, (k: KpiFigures) => number | null]> = [
  ['受理量 intake', (k) => k.intake],
  ['立案数 accepted', (k) => k.acceptance.numerator],
  ['已决定 decided', (k) => k.acceptance.denominator],
  ['立案率% acceptance', (k) => pct(k.acceptance)],
  ['应处置 due', (k) => k.disposal.denominator],
  ['已处置 disposed', (k) => k.disposal.numerator],
  ['处置率% disposal', (k) => pct(k.disposal)],
  ['按期处置 on time', (k) => k.onTimeDisposal.numerator],
  ['按期基数 on-time base', (k) => k.onTimeDisposal.denominator],
  ['按期处置率% on-time', (k) => pct(k.onTimeDisposal)],
  ['结案数 closed', (k) => k.closure.numerator],
  ['结案率% closure', (k) => pct(k.closure)],
  ['返工数 reworked', (k) => k.rework.numerator],
  ['返工率% rework', (k) => pct(k.rework)],
  ['发回重办 reopened', (k) => k.reopen.numerator],
  ['曾结案 ever closed', (k) => k.reopen.denominator],
  ['发回重办率% reopen', (k) => pct(k.reopen)],
  ['满意 satisfied', (k) => k.callbacks.satisfied],
  ['基本满意 basically satisfied', (k) => k.callbacks.basicallySatisfied],
  ['不满意 dissatisfied', (k) => k.callbacks.dissatisfied],
  ['满意率% satisfaction', (k) => pct(k.satisfaction)],
  ['处置时长中位数(工作小时) median working h', (k) => hours(k.handlingTime.working.medianMs)],
  ['处置时长P90(工作小时) P90 working h', (k) => hours(k.handlingTime.working.p90Ms)],
  ['处置时长中位数(自然小时) median elapsed h', (k) => hours(k.handlingTime.elapsed.medianMs)],
  ['处置时长P90(自然小时) P90 elapsed h', (k) => hours(k.handlingTime.elapsed.p90Ms)],
  ['超期 overdue', (k) => k.overdue],
  ['积压 backlog', (k) => k.backlog],
];

export interface ExportInput {
  title: string;
  by: string;
  rows: KpiRow[];
  total: KpiFigures;
}

function table(x: ExportInput): Array<Array<string | number | null>> {
  const head = ['分组 key', '名称 label', ...COLUMNS.map(([h]) => h)];
  const body = x.rows.map((r) => [r.key, r.label, ...COLUMNS.map(([, f]) => f(r.kpis))]);
  return [head, ...body, ['合计 total', '', ...COLUMNS.map(([, f]) => f(x.total))]];
}

export function kpiCsv(x: ExportInput): string {
  // A BOM so that Excel opens the UTF-8 file with its Chinese headers intact.
  return `\ufeff${stringify(table(x).map((r) => r.map((v) => (v === null ? '' : v))))}`;
}

export async function kpiXlsx(x: ExportInput): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'gongzhi';
  const ws = wb.addWorksheet('KPI');
  ws.addRow([x.title]);
  for (const r of table(x)) ws.addRow(r);
  ws.getRow(2).font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: 2, xSplit: 2 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}
