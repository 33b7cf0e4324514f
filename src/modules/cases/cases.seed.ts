/**
 * The seeded taxonomy (GB/T 30428-style 部件/事件 categories, trimmed to what a social-governance
 * centre handles) and demo routing rules. seedTaxonomy is idempotent and used by tests too.
 */
import type { Sql } from '../../platform/db.js';
import * as repo from './cases.repository.js';
import type { AttributeDef, Deadlines } from './cases.types.js';

// Level 1 runs on calendar hours (urgent: day and night); levels 2 and 3 on working hours.
const D = (l1: [number, number, number], l2: [number, number, number], l3: [number, number, number]): Deadlines => ({
  '1': { mode: 'calendar', sign_for: l1[0], handle: l1[1], verify: l1[2] },
  '2': { mode: 'working', sign_for: l2[0], handle: l2[1], verify: l2[2] },
  '3': { mode: 'working', sign_for: l3[0], handle: l3[1], verify: l3[2] },
});
const FAST = D([0.5, 2, 1], [1, 8, 4], [2, 16, 8]);
const NORMAL = D([1, 4, 2], [2, 24, 8], [4, 40, 16]);
const SLOW = D([1, 8, 4], [4, 40, 16], [8, 80, 24]);
const ADVICE = D([1, 4, 2], [4, 16, 8], [8, 40, 16]);

const SIZE: AttributeDef = { code: 'area_m2', datatype: 'number', required: false, description: '大致面积（平方米）', order: 1 };
const BLOCKING: AttributeDef = {
  code: 'blocking',
  datatype: 'singlevaluelist',
  required: false,
  description: '是否影响通行',
  order: 2,
  values: [
    { key: 'none', name: '不影响' },
    { key: 'partial', name: '部分影响' },
    { key: 'full', name: '完全阻断' },
  ],
};
const HAZARD_KIND: AttributeDef = {
  code: 'hazard',
  datatype: 'multivaluelist',
  required: true,
  description: '隐患类型',
  order: 1,
  values: [
    { key: 'fire', name: '消防' },
    { key: 'gas', name: '燃气' },
    { key: 'electric', name: '用电' },
    { key: 'structure', name: '建筑结构' },
    { key: 'other', name: '其他' },
  ],
};
const PARTIES: AttributeDef = { code: 'parties', datatype: 'number', required: false, description: '当事人数', order: 1 };
const POLICE_NO: AttributeDef = { code: 'police_incident_no', datatype: 'string', required: true, description: '110 警情编号', order: 1 };
const OCCURRED: AttributeDef = { code: 'occurred_at', datatype: 'datetime', required: false, description: '发生时间', order: 2 };

interface Major {
  code: string;
  zh: string;
  en: string;
  private?: boolean;
  needsContact?: boolean;
  minors: Array<{ code: string; zh: string; en: string; level?: 1 | 2 | 3; deadlines?: Deadlines; attributes?: AttributeDef[]; autoDispatch?: boolean; keywords?: string[] }>;
  deadlines: Deadlines;
  /** Demo routing: the department code that leads (city-wide rule). */
  dept?: string;
}

export const TAXONOMY: readonly Major[] = [
  {
    code: 'CITY', zh: '市容环境', en: 'City appearance and environment', deadlines: NORMAL, dept: 'KM-CGJ',
    minors: [
      { code: 'CITY.EXPOSED_WASTE', zh: '暴露垃圾', en: 'Exposed waste', attributes: [SIZE], autoDispatch: true, keywords: ['垃圾', '堆积'] },
      { code: 'CITY.MATERIAL_PILE', zh: '乱堆物料', en: 'Materials piled in public space', attributes: [SIZE, BLOCKING] },
      { code: 'CITY.STREET_VENDING', zh: '占道经营', en: 'Street vending on the road', attributes: [BLOCKING], keywords: ['摊贩', '占道'] },
      { code: 'CITY.ILLEGAL_POSTING', zh: '乱张贴', en: 'Illegal posters and graffiti', deadlines: SLOW },
      { code: 'CITY.OUTDOOR_ADS', zh: '违规户外广告', en: 'Unauthorised outdoor advertising', deadlines: SLOW },
      { code: 'CITY.ILLEGAL_BUILDING', zh: '违法建设', en: 'Illegal construction', deadlines: SLOW },
    ],
  },
  {
    code: 'SANITATION', zh: '环卫', en: 'Sanitation', deadlines: FAST, dept: 'KM-CGJ',
    minors: [
      { code: 'SANITATION.BIN_OVERFLOW', zh: '垃圾桶满溢', en: 'Overflowing bin', autoDispatch: true },
      { code: 'SANITATION.STREET_DIRTY', zh: '道路不洁', en: 'Dirty street' },
      { code: 'SANITATION.PUBLIC_TOILET', zh: '公厕问题', en: 'Public toilet problem' },
      { code: 'SANITATION.DEAD_ANIMAL', zh: '动物尸体', en: 'Dead animal', level: 2 },
    ],
  },
  {
    code: 'ROADS', zh: '道路设施', en: 'Roads and facilities', deadlines: NORMAL, dept: 'KM-ZJJ',
    minors: [
      { code: 'ROADS.POTHOLE', zh: '道路破损', en: 'Pothole or broken road', attributes: [SIZE, BLOCKING] },
      { code: 'ROADS.MANHOLE', zh: '井盖缺失破损', en: 'Missing or broken manhole cover', level: 1, deadlines: FAST, keywords: ['井盖'] },
      { code: 'ROADS.STREETLIGHT', zh: '路灯不亮', en: 'Street light out' },
      { code: 'ROADS.SIDEWALK', zh: '人行道破损', en: 'Broken sidewalk', attributes: [SIZE] },
      { code: 'ROADS.WATERLOGGING', zh: '道路积水', en: 'Waterlogged road', level: 2, deadlines: FAST },
    ],
  },
  {
    code: 'TRAFFIC', zh: '交通', en: 'Traffic', deadlines: NORMAL, dept: 'KM-JTYSJ',
    minors: [
      { code: 'TRAFFIC.SIGNAL', zh: '信号灯故障', en: 'Traffic signal fault', level: 2, deadlines: FAST },
      { code: 'TRAFFIC.ILLEGAL_PARKING', zh: '违章停车', en: 'Illegal parking', attributes: [BLOCKING] },
      { code: 'TRAFFIC.SHARED_BIKES', zh: '共享单车乱停放', en: 'Shared bikes parked badly' },
      { code: 'TRAFFIC.SIGNS', zh: '交通标志缺损', en: 'Missing or damaged traffic sign' },
    ],
  },
  {
    code: 'SAFETY', zh: '安全隐患', en: 'Safety hazards', deadlines: FAST, dept: 'KM-YJJ',
    minors: [
      { code: 'SAFETY.FIRE_EXIT', zh: '消防通道堵塞', en: 'Blocked fire exit', level: 2, attributes: [HAZARD_KIND] },
      { code: 'SAFETY.GAS', zh: '燃气隐患', en: 'Gas hazard', level: 1, attributes: [HAZARD_KIND] },
      { code: 'SAFETY.ELECTRIC', zh: '私拉乱接电线', en: 'Unsafe wiring', attributes: [HAZARD_KIND] },
      { code: 'SAFETY.DANGEROUS_BUILDING', zh: '危房', en: 'Dangerous building', level: 2, attributes: [HAZARD_KIND] },
    ],
  },
  {
    code: 'ORDER', zh: '社会治安', en: 'Public order', deadlines: FAST, dept: 'KM-GAJ',
    minors: [
      { code: 'ORDER.NOISE', zh: '噪声扰民', en: 'Noise nuisance', keywords: ['噪音', '扰民'] },
      { code: 'ORDER.GATHERING', zh: '聚集滋事', en: 'Disorderly gathering', level: 2 },
      { code: 'ORDER.SUSPICIOUS', zh: '可疑人员', en: 'Suspicious persons' },
    ],
  },
  {
    code: 'DISPUTE', zh: '邻里纠纷', en: 'Neighbour disputes', deadlines: SLOW, private: true, needsContact: true, dept: 'KM-MZJ',
    minors: [
      { code: 'DISPUTE.NEIGHBOUR', zh: '邻里矛盾', en: 'Dispute between neighbours', attributes: [PARTIES] },
      { code: 'DISPUTE.FAMILY', zh: '家庭纠纷', en: 'Family dispute', attributes: [PARTIES] },
      { code: 'DISPUTE.LEAK', zh: '漏水纠纷', en: 'Water-leak dispute between flats', attributes: [PARTIES] },
    ],
  },
  {
    code: 'PROPERTY', zh: '物业管理', en: 'Property management', deadlines: SLOW, dept: 'KM-ZJJ',
    minors: [
      { code: 'PROPERTY.SERVICE', zh: '物业服务', en: 'Property-management service' },
      { code: 'PROPERTY.ELEVATOR', zh: '电梯故障', en: 'Lift out of order', level: 2, deadlines: FAST },
      { code: 'PROPERTY.FEES', zh: '物业收费', en: 'Property fees' },
    ],
  },
  {
    code: 'POLICE', zh: '非警务警情', en: 'Non-police incidents transferred from 110', deadlines: FAST, needsContact: true, dept: 'KM-CGJ',
    minors: [
      { code: 'POLICE.MUNICIPAL', zh: '市政类', en: 'Municipal (from 110)', attributes: [POLICE_NO, OCCURRED] },
      { code: 'POLICE.LIVELIHOOD', zh: '民生求助类', en: 'Livelihood help (from 110)', attributes: [POLICE_NO, OCCURRED] },
    ],
  },
  {
    code: 'CONSULT', zh: '咨询', en: 'Consultations', deadlines: ADVICE, needsContact: true, dept: 'KM-MZJ',
    minors: [
      { code: 'CONSULT.POLICY', zh: '政策咨询', en: 'Policy question' },
      { code: 'CONSULT.SERVICE', zh: '办事咨询', en: 'How to get something done' },
    ],
  },
];

/** Inserts the taxonomy (existing codes are left as they are); returns how many were added. */
export async function seedTaxonomy(sql: Sql): Promise<number> {
  let added = 0;
  let sort = 0;
  for (const m of TAXONOMY) {
    sort += 10;
    const major = await repo.insertCategory(sql, {
      code: m.code, parent_code: null, name_zh: m.zh, name_en: m.en, description: null, keywords: [], default_response_level: 3, deadlines: m.deadlines,
      attributes: [], private: m.private ?? false, auto_dispatch: false, needs_contact: m.needsContact ?? false, duplicate_radius_m: 250,
      duplicate_window_hours: 168, sort, active: true,
    });
    if (major) added += 1;
    let s = 0;
    for (const n of m.minors) {
      s += 1;
      const row = await repo.insertCategory(sql, {
        code: n.code, parent_code: m.code, name_zh: n.zh, name_en: n.en, description: null, keywords: n.keywords ?? [], default_response_level: n.level ?? 3,
        deadlines: n.deadlines ?? m.deadlines, attributes: n.attributes ?? [], private: m.private ?? false, auto_dispatch: n.autoDispatch ?? false,
        needs_contact: m.needsContact ?? false, duplicate_radius_m: 250, duplicate_window_hours: 168, sort: s, active: true,
      });
      if (row) added += 1;
    }
  }
  return added;
}

/**
 * City-wide demo routing rules (major category → the city department), plus district rules for
 * city appearance to the district 城管 bureaus that exist. Skipped when the departments are absent.
 */
export async function seedRoutingRules(sql: Sql, cityCode = '530100000000'): Promise<number> {
  const city = await repo.regionByCode(sql, cityCode);
  if (!city) return 0;
  const codes = [...new Set(TAXONOMY.map((m) => m.dept).filter((d): d is string => !!d))];
  const depts = await repo.departmentsByCodes(sql, [...codes, 'WH-CGJ', 'PL-CGJ', 'XS-CGJ', 'GD-CGJ', 'CG-CGJ']);
  const byCode = new Map(depts.map((d) => [d.code, d]));
  let n = 0;
  for (const m of TAXONOMY) {
    const d = m.dept ? byCode.get(m.dept) : undefined;
    if (!d) continue;
    const id = await repo.insertRoutingRule(sql, { categoryCode: m.code, regionId: city.id, regionPath: city.path, leadDepartmentId: d.id, coDepartmentIds: [], responseLevel: null, note: 'demo' });
    if (id) n += 1;
  }
  for (const code of ['WH-CGJ', 'PL-CGJ', 'XS-CGJ', 'GD-CGJ', 'CG-CGJ']) {
    const d = byCode.get(code);
    if (!d) continue;
    for (const cat of ['CITY', 'SANITATION']) {
      const id = await repo.insertRoutingRule(sql, { categoryCode: cat, regionId: d.region_id, regionPath: d.region_path, leadDepartmentId: d.id, coDepartmentIds: [], responseLevel: null, note: 'demo' });
      if (id) n += 1;
    }
  }
  return n;
}
