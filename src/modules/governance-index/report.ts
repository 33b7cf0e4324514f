/**
 * The exported report (社会治理现代化指数报告), in Chinese: an Excel workbook (summary, rankings,
 * dimensions, indicators, methodology) and a PDF printed from an HTML page by the system's
 * Chromium through playwright-core (no browser download is possible or wanted). Chinese glyphs
 * need a CJK font on the machine: Debian's fonts-noto-cjk.
 */
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { AppError } from '../../platform/errors.js';
import { stageColumns, type ReportData } from './snapshot.service.js';

export const REPORT_TITLE = '社会治理现代化指数报告';

const LEVEL_ZH: Record<string, string> = { district: '区（县、市）', street: '街道（乡镇）', community: '社区（村）', grid: '网格' };
const IMPUTE_ZH: Record<string, string> = { none: '不插补（缺失值不参与加权，权重在现有值间重新归一）', mean: '均值插补', median: '中位数插补', groupMean: '按上级区划分组均值插补', groupMedian: '按上级区划分组中位数插补' };
const TREAT_ZH: Record<string, string> = { none: '不处理', winsorise: '缩尾处理（偏度绝对值≥2且峰度≥3.5时，逐次将最大/最小值替换为次大/次小值，最多5次）', log: '对数变换' };
const NORM_ZH: Record<string, string> = {
  none: '不标准化',
  minmax: '极差标准化（最小值—最大值映射到0—100）',
  zscore: 'Z分数标准化（样本标准差）',
  goalposts: '目标值区间标准化（截断到0—1）',
  fracmax: '最大值比例法',
  dist2target: '距目标值距离法',
  dist2ref: '相对参照单元（或参照值）法',
  rank: '排序法',
  prank: '百分位排序法',
};
const WEIGHTS_ZH: Record<string, string> = { framework: '框架设定权重', equal: '等权', manual: '人工设定权重', ahp: '层次分析法（AHP，主特征向量，一致性比率CR）', entropy: '熵权法', pca: '主成分分析法（载荷平方）' };
const AGG_ZH: Record<string, string> = { amean: '加权算术平均', gmean: '加权几何平均', hmean: '加权调和平均' };

const fmt = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const round = (v: number | null | undefined, digits = 4): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));

interface Method {
  step: string;
  method: string;
}

function methods(d: ReportData): Method[] {
  const p = (d.head.parameters['pipeline'] ?? {}) as Record<string, { method?: string } | string | boolean | undefined>;
  const m = (x: unknown): string => (typeof x === 'object' && x !== null && 'method' in x ? String((x as { method: string }).method) : String(x ?? ''));
  const unc = d.out.analysis.uncertainty;
  return [
    { step: '1 分母化', method: p['denominate'] ? '按框架指定的分母（如常住人口）相除' : '不分母化（指标本身已为比率或人均值）' },
    { step: '2 缺失值插补', method: IMPUTE_ZH[m(p['impute'])] ?? m(p['impute']) },
    { step: '3 异常值处理', method: TREAT_ZH[m(p['treat'])] ?? m(p['treat']) },
    { step: '4 标准化', method: `${NORM_ZH[m(p['normalise'])] ?? m(p['normalise'])}；负向指标先乘以−1` },
    { step: '5 权重', method: WEIGHTS_ZH[m(p['weights'])] ?? m(p['weights']) },
    { step: '6 加总', method: `${AGG_ZH[String(p['aggregate'] ?? 'amean')] ?? String(p['aggregate'])}，逐层自下而上；缺失的子项不参与，权重在现有子项间重新归一` },
    { step: '7 排名', method: '得分最高为第1名，并列取最小名次' },
    {
      step: '8 不确定性分析',
      method: unc
        ? `蒙特卡洛模拟${unc.replications}次：标准化方法（极差1—100、排序）、加总方法（算术、几何）随机选取，权重在±25%内随机扰动，并随机剔除一个指标；排名区间为第5—95百分位`
        : '未进行',
    },
  ];
}

// ------------------------------------------------------------------ Excel

export async function buildReportXlsx(d: ReportData): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'gongzhi 共治';
  wb.created = d.head.createdAt;
  const out = d.out;
  const dims = out.aggregates.filter((a) => a.code !== out.root);
  const bold = { bold: true };

  const summary = wb.addWorksheet('摘要');
  summary.columns = [{ width: 22 }, { width: 60 }];
  summary.addRow([REPORT_TITLE]).font = { bold: true, size: 16 };
  summary.addRow([]);
  const scored = d.rows.filter((r) => r.score !== null);
  const meanScore = scored.length ? scored.reduce((s, r) => s + r.score!, 0) / scored.length : null;
  const facts: [string, string | number][] = [
    ['指标框架', `${d.frameworkName}（${d.head.frameworkCode}，第${d.head.frameworkVersion}版）`],
    ['评价期间', d.head.period],
    ['评价层级', LEVEL_ZH[d.head.level] ?? d.head.level],
    ['评价单元数', d.rows.length],
    ['指数平均得分', fmt(meanScore)],
    ['最高得分单元', scored[0] ? `${scored[0].regionName}（${fmt(scored[0].score)}）` : '—'],
    ['快照编号', d.head.id],
    ['计算时间', d.head.createdAt.toISOString()],
    ['计算人', d.head.createdByName],
    ['未参与计算的指标', out.dropped.filter((x) => x.kind === 'indicator').map((x) => x.code).join('、') || '无'],
  ];
  for (const [k, v] of facts) summary.addRow([k, v]).getCell(1).font = bold;

  const ranking = wb.addWorksheet('排名');
  ranking.addRow(['排名', '区划代码', '名称', '指数得分', '中位排名', '排名区间下限(5%)', '排名区间上限(95%)', ...dims.map((a) => a.nameZh ?? a.code)]).font = bold;
  for (const r of d.rows) {
    ranking.addRow([r.rank, r.regionCode, r.regionName, round(r.score), r.medianRank, r.rankP05, r.rankP95, ...dims.map((a) => round(r.aggregates[a.code]))]);
  }
  ranking.columns.forEach((c, i) => (c.width = i === 2 ? 24 : 14));

  const dimSheet = wb.addWorksheet('维度得分');
  dimSheet.addRow(['区划代码', '名称', ...dims.flatMap((a) => [`${a.nameZh ?? a.code} 得分`, `${a.nameZh ?? a.code} 排名`])]).font = bold;
  for (const r of d.rows) dimSheet.addRow([r.regionCode, r.regionName, ...dims.flatMap((a) => [round(r.aggregates[a.code]), r.ranks[a.code] ?? null])]);
  dimSheet.columns.forEach((c, i) => (c.width = i === 1 ? 24 : 16));

  const ind = wb.addWorksheet('指标');
  const raw = stageColumns(out, d.inputs, 'raw');
  const norm = stageColumns(out, d.inputs, 'normalised');
  const idx = new Map(out.units.map((u, i) => [u.code, i]));
  ind.addRow(['区划代码', '名称', ...out.indicators.map((i) => `${i.nameZh ?? i.code}（原始值${i.unit ? `，${i.unit}` : ''}）`), ...out.indicators.map((i) => `${i.nameZh ?? i.code}（标准化）`)]).font = bold;
  for (const r of d.rows) {
    const k = idx.get(r.regionCode)!;
    ind.addRow([r.regionCode, r.regionName, ...out.indicators.map((i) => round(raw[i.code]?.[k], 6)), ...out.indicators.map((i) => round(norm[i.code]?.[k]))]);
  }
  ind.columns.forEach((c, i) => (c.width = i === 1 ? 24 : 18));

  const meth = wb.addWorksheet('方法说明');
  meth.columns = [{ width: 26 }, { width: 100 }];
  meth.addRow(['方法说明（依据OECD/JRC《构建综合指标手册》）']).font = { bold: true, size: 14 };
  meth.addRow([]);
  meth.addRow(['步骤', '方法']).font = bold;
  for (const m of methods(d)) meth.addRow([m.step, m.method]);
  meth.addRow([]);
  meth.addRow(['指标体系']).font = bold;
  meth.addRow(['代码', '名称', '上级', '方向', '权重（实际使用）', '单位', '来源']).font = bold;
  for (const a of out.aggregates) meth.addRow([a.code, a.nameZh ?? a.code, a.parent ?? '', '', a.weightUsed, '', '']);
  for (const i of out.indicators) meth.addRow([i.code, i.nameZh ?? i.code, i.parent, i.direction > 0 ? '正向' : '负向', i.weightUsed, i.unit ?? '', i.source?.provider ?? (i.source?.imported ? '导入' : '')]);
  if (out.dropped.length) {
    meth.addRow([]);
    meth.addRow(['未参与计算']).font = bold;
    for (const x of out.dropped) meth.addRow([x.code, x.reason]);
  }
  const alpha = Object.entries(out.analysis.cronbachAlpha);
  if (alpha.length) {
    meth.addRow([]);
    meth.addRow(['内部一致性（标准化Cronbach α）']).font = bold;
    for (const [code, a] of alpha) meth.addRow([code, a === null ? '—' : round(a, 3)]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

// ------------------------------------------------------------------ HTML / PDF

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function buildReportHtml(d: ReportData): string {
  const out = d.out;
  const dims = out.aggregates.filter((a) => a.code !== out.root);
  const top = out.aggregates.filter((a) => a.parent === out.root);
  const max = Math.max(1, ...d.rows.map((r) => r.score ?? 0));
  const rankRows = d.rows
    .map(
      (r) => `<tr><td>${r.rank ?? '—'}</td><td>${esc(r.regionName)}</td><td class="num">${fmt(r.score)}</td>
        <td><div class="bar" style="width:${(((r.score ?? 0) / max) * 100).toFixed(1)}%"></div></td>
        <td class="num">${r.rankP05 === null ? '—' : `${fmt(r.rankP05, 0)}–${fmt(r.rankP95, 0)}`}</td>
        ${top.map((a) => `<td class="num">${fmt(r.aggregates[a.code])}</td>`).join('')}</tr>`,
    )
    .join('');
  const indRows = out.indicators
    .map((i) => `<tr><td>${esc(i.nameZh ?? i.code)}</td><td>${esc(out.aggregates.find((a) => a.code === i.parent)?.nameZh ?? i.parent)}</td><td>${i.direction > 0 ? '正向' : '负向'}</td><td class="num">${fmt(i.weightUsed, 3)}</td><td>${esc(i.unit ?? '')}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${REPORT_TITLE}</title>
<style>
  body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif; font-size: 10.5pt; color: #222; margin: 0; }
  h1 { font-size: 20pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 16pt 0 6pt; border-bottom: 1px solid #b22; padding-bottom: 2pt; }
  .meta { color: #555; margin-bottom: 10pt; }
  table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ccc; padding: 2pt 4pt; } th { background: #f3e9e9; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; } .bar { height: 8pt; background: #b22; }
  tr { page-break-inside: avoid; }
</style></head><body>
<h1>${REPORT_TITLE}</h1>
<div class="meta">${esc(d.frameworkName)}（第${d.head.frameworkVersion}版） · 评价期间 ${esc(d.head.period)} · ${esc(LEVEL_ZH[d.head.level] ?? d.head.level)} · ${d.rows.length}个评价单元 · 快照 #${d.head.id} · 计算于 ${esc(d.head.createdAt.toISOString().slice(0, 16).replace('T', ' '))} UTC</div>
<h2>一、综合排名</h2>
<table><thead><tr><th>排名</th><th>单元</th><th>指数</th><th style="width:22%"></th><th>排名区间</th>${top.map((a) => `<th>${esc(a.nameZh ?? a.code)}</th>`).join('')}</tr></thead><tbody>${rankRows}</tbody></table>
<h2>二、指标体系与权重</h2>
<table><thead><tr><th>指标</th><th>维度</th><th>方向</th><th>权重</th><th>单位</th></tr></thead><tbody>${indRows}</tbody></table>
${out.dropped.length ? `<p>未参与本次计算的指标：${esc(out.dropped.filter((x) => x.kind === 'indicator').map((x) => x.code).join('、'))}（无数据，权重在其余指标间重新归一）。</p>` : ''}
<h2>三、方法说明</h2>
<table><tbody>${methods(d).map((m) => `<tr><td style="width:20%">${esc(m.step)}</td><td>${esc(m.method)}</td></tr>`).join('')}</tbody></table>
<p>维度共${dims.length}个；排名区间反映方法选择带来的不确定性，区间越窄，排名越稳健。</p>
</body></html>`;
}

export const CHROMIUM_PATH = (): string => process.env['GONGZHI_CHROMIUM'] ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Print HTML to PDF with the system's Chromium; 503 report_unavailable when there is none. */
export async function renderPdf(html: string): Promise<Buffer> {
  const executablePath = CHROMIUM_PATH();
  if (!fs.existsSync(executablePath)) {
    throw new AppError('report_unavailable', undefined, { chromium: executablePath, hint: 'install Debian chromium and fonts-noto-cjk, or set GONGZHI_CHROMIUM' });
  }
  const { chromium } = await import('playwright-core');
  let browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  } catch (e) {
    throw new AppError('report_unavailable', `The PDF report cannot be produced: Chromium did not start (${(e as Error).message.split('\n')[0]}).`, { chromium: executablePath });
  }
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' } });
    return Buffer.from(pdf);
  } finally {
    await browser.close();
  }
}
