/**
 * Notification texts, zh-CN first and English second. A notification stores its template and
 * params, so the app can show it in the reader's language; the zh-CN rendering is stored too
 * (SMS and the mailbox need one text).
 */
export const TEMPLATES = {
  'case.accepted': {
    'zh-CN': { title: '您反映的问题已受理', body: '您反映的问题（编号 {publicId}）已受理，我们将尽快处理。' },
    en: { title: 'Your report was accepted', body: 'Your report {publicId} was accepted and will be handled soon.' },
  },
  'case.rejected': {
    'zh-CN': { title: '您反映的问题未予立案', body: '您反映的问题（编号 {publicId}）未予立案：{reason}' },
    en: { title: 'Your report was not accepted', body: 'Your report {publicId} was not accepted: {reason}' },
  },
  'case.dispatched': {
    'zh-CN': { title: '您反映的问题已派遣处理', body: '您反映的问题（编号 {publicId}）已派遣至责任部门处理。' },
    en: { title: 'Your report was dispatched', body: 'Your report {publicId} was sent to the responsible department.' },
  },
  'case.closed': {
    'zh-CN': { title: '您反映的问题已办结', body: '您反映的问题（编号 {publicId}）已办结，请对处理结果进行评价。' },
    en: { title: 'Your report was resolved', body: 'Your report {publicId} was resolved. Please rate the result.' },
  },
  'case.callback_requested': {
    'zh-CN': { title: '请评价处理结果', body: '请对问题（编号 {publicId}）的处理结果进行评价：满意、基本满意或不满意。' },
    en: { title: 'Please rate the result', body: 'Please rate how report {publicId} was handled: satisfied, basically satisfied or dissatisfied.' },
  },
  'case.task_assigned': {
    'zh-CN': { title: '新的待办任务', body: '案件 {publicId} 待您处理（{step}）。' },
    en: { title: 'New task', body: 'Case {publicId} is waiting for you ({step}).' },
  },
  'case.deadline_warning': {
    'zh-CN': { title: '即将超期', body: '案件 {publicId} 的{step}时限即将到期（{deadline}）。' },
    en: { title: 'Deadline approaching', body: 'The {step} deadline of case {publicId} is near ({deadline}).' },
  },
  'case.overdue': {
    'zh-CN': { title: '已超期', body: '案件 {publicId} 的{step}已超期，已生成督办单。' },
    en: { title: 'Overdue', body: 'The {step} of case {publicId} is overdue; a supervision ticket was opened.' },
  },
  generic: {
    'zh-CN': { title: '{title}', body: '{body}' },
    en: { title: '{title}', body: '{body}' },
  },
} as const;

export type TemplateName = keyof typeof TEMPLATES;
export type Lang = 'zh-CN' | 'en';

export function render(template: string, params: Record<string, unknown>, lang: Lang = 'zh-CN'): { title: string; body: string } {
  const t = (TEMPLATES as Record<string, Record<Lang, { title: string; body: string }>>)[template] ?? TEMPLATES.generic;
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => (params[k] === undefined || params[k] === null ? '' : String(params[k])));
  return { title: fill(t[lang].title), body: fill(t[lang].body) };
}
