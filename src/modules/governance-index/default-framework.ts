/**
 * The default framework: the pilot's five dimensions of social-governance modernisation
 * (Kunming's municipal pilot, 市域社会治理现代化), seeded by manifest.seedDemo and documented in
 * docs/governance-index.md ("The default framework"). Dimensions are weighted equally (0.2
 * each): the Handbook's default when there is no agreed basis for other weights; a city
 * changes them by defining its own framework version.
 */
import type { FrameworkTree } from './framework.service.js';

export const DEFAULT_FRAMEWORK_CODE = 'gzi-default';

export const DEFAULT_FRAMEWORK = {
  code: DEFAULT_FRAMEWORK_CODE,
  nameZh: '社会治理现代化指数（试点默认框架）',
  nameEn: 'Social-governance modernisation index (pilot default framework)',
  description:
    '五个维度等权：公众参与、风险防范与平安建设、基层联动、服务与满意度、法治与监督。标为可选的指标（问卷导入或尚未建成的模块）缺失时不参与计算，权重在现有指标间重新归一。',
  tree: {
    aggregates: [
      { code: 'gzi', nameZh: '社会治理现代化指数', nameEn: 'Social-governance modernisation index', weight: 1 },
      { code: 'participation', nameZh: '公众参与', nameEn: 'Public participation', weight: 0.2, parent: 'gzi' },
      { code: 'risk_safety', nameZh: '风险防范与平安建设', nameEn: 'Risk prevention and safety', weight: 0.2, parent: 'gzi' },
      { code: 'linkage', nameZh: '基层联动', nameEn: 'Base-level linkage', weight: 0.2, parent: 'gzi' },
      { code: 'service', nameZh: '服务与满意度', nameEn: 'Service and satisfaction', weight: 0.2, parent: 'gzi' },
      { code: 'rule_of_law', nameZh: '法治与监督', nameEn: 'Rule of law and supervision', weight: 0.2, parent: 'gzi' },
    ],
    indicators: [
      // 公众参与
      { code: 'cases_per_10k_residents', nameZh: '每万人事件上报数', nameEn: 'Cases reported per 10,000 residents', unit: '件/万人', direction: 1, weight: 1, parent: 'participation', source: 'cases' },
      { code: 'volunteer_hours_per_capita', nameZh: '人均志愿服务时长', nameEn: 'Volunteer hours per resident', unit: '小时/人', direction: 1, weight: 1, parent: 'participation', source: 'volunteers (planned)', optional: true },
      { code: 'deliberation_coverage', nameZh: '协商议事覆盖率', nameEn: 'Deliberation coverage', unit: '%', direction: 1, weight: 1, parent: 'participation', source: 'deliberation (planned)', optional: true },
      // 风险防范与平安建设
      { code: 'public_safety_sense', nameZh: '群众安全感', nameEn: 'Public sense of safety (survey)', unit: '分', direction: 1, weight: 1, parent: 'risk_safety', source: 'imported survey', optional: true },
      { code: 'dispute_mediation_success_rate', nameZh: '矛盾纠纷调解成功率', nameEn: 'Dispute mediation success rate', unit: '%', direction: 1, weight: 1, parent: 'risk_safety', source: 'disputes (planned)', optional: true },
      { code: 'on_time_rate', nameZh: '按期处置率', nameEn: 'On-time disposal rate', unit: '%', direction: 1, weight: 1, parent: 'risk_safety', source: 'cases' },
      // 基层联动
      { code: 'grid_staff_per_1k_households', nameZh: '每千户网格员配备数', nameEn: 'Grid staff per 1,000 households', unit: '人/千户', direction: 1, weight: 1, parent: 'linkage', source: 'regions' },
      { code: 'disposal_rate', nameZh: '事件处置率', nameEn: 'Disposal rate', unit: '%', direction: 1, weight: 1, parent: 'linkage', source: 'cases' },
      // 服务与满意度
      { code: 'callback_satisfaction', nameZh: '回访满意率', nameEn: 'Callback satisfaction', unit: '%', direction: 1, weight: 1, parent: 'service', source: 'cases' },
      { code: 'public_service_satisfaction', nameZh: '公共服务满意度', nameEn: 'Public-service satisfaction (survey)', unit: '分', direction: 1, weight: 1, parent: 'service', source: 'imported survey', optional: true },
      // 法治与监督
      { code: 'rework_rate', nameZh: '返工率', nameEn: 'Rework rate', unit: '%', direction: -1, weight: 1, parent: 'rule_of_law', source: 'cases' },
      { code: 'supervised_case_rate', nameZh: '督办率', nameEn: 'Share of cases supervised', unit: '%', direction: -1, weight: 1, parent: 'rule_of_law', source: 'cases' },
      { code: 'law_popularisation_rate', nameZh: '法治宣传教育覆盖率', nameEn: 'Rule-of-law education coverage', unit: '%', direction: 1, weight: 1, parent: 'rule_of_law', source: 'imported', optional: true },
    ],
  } satisfies FrameworkTree,
};
