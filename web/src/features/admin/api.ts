/** The administration endpoints of the cases module: taxonomy, deadlines, routing, departments, the working-day calendar. */
import { del, get, listOf, patch, post, api } from '../../api/client';

export type Level = 1 | 2 | 3;
export interface LevelDeadlines {
  mode: 'working' | 'calendar';
  sign_for: number;
  handle: number;
  verify: number;
}
export type Deadlines = Record<'1' | '2' | '3', LevelDeadlines>;
export interface AttributeDef {
  code: string;
  datatype: string;
  required: boolean;
  description: string;
  order?: number;
  values?: Array<{ key: string; name: string }>;
}
export interface AdminCategory {
  code: string;
  parentCode: string | null;
  level: 1 | 2;
  nameZh: string;
  nameEn: string;
  description: string | null;
  keywords: string[];
  defaultResponseLevel: Level;
  deadlines: Deadlines;
  attributes: AttributeDef[];
  private: boolean;
  autoDispatch: boolean;
  needsContact: boolean;
  duplicateRadiusM: number;
  duplicateWindowHours: number;
  sort: number;
  active: boolean;
}
export type CategoryPatch = Partial<Pick<AdminCategory, 'nameZh' | 'nameEn' | 'defaultResponseLevel' | 'deadlines' | 'attributes' | 'private' | 'autoDispatch' | 'needsContact' | 'active'>>;

export const listAllCategories = async () => listOf<AdminCategory>(await get<unknown>('/api/categories', { all: true }), 'items');
export const updateCategory = (code: string, body: CategoryPatch) => patch<AdminCategory>(`/api/categories/${encodeURIComponent(code)}`, body);
export const createCategory = (body: CategoryPatch & { code: string; parentCode: string; nameZh: string; nameEn: string; deadlines: Deadlines }) => post<AdminCategory>('/api/categories', body);

export interface RoutingRule {
  id: number;
  categoryCode: string | null;
  regionCode: string;
  regionName: string;
  leadDepartmentId: number;
  coDepartmentIds: number[];
  responseLevel: Level | null;
  note: string | null;
}
export interface RuleInput {
  categoryCode?: string | null;
  regionCode: string;
  leadDepartmentId: number;
  coDepartmentIds?: number[];
  responseLevel?: Level | null;
  note?: string | null;
}
export const listRules = async () => listOf<RoutingRule>(await get<unknown>('/api/routing-rules'), 'items');
export const createRule = (body: RuleInput) => post<RoutingRule>('/api/routing-rules', body);
export const updateRule = (id: number, body: Omit<RuleInput, 'regionCode' | 'categoryCode'>) => patch<RoutingRule>(`/api/routing-rules/${id}`, body);
export const deleteRule = (id: number) => del<void>(`/api/routing-rules/${id}`);

export interface AdminDepartment {
  id: number;
  code: string;
  name: string;
  kind: string;
  regionCode: string;
  regionName: string;
  parentId: number | null;
  active: boolean;
}
export const listAllDepartments = async (q?: string) => listOf<AdminDepartment>(await get<unknown>('/api/departments', { q: q || undefined, limit: 500 }), 'items');
export const updateDepartment = (id: number, body: { name?: string; kind?: string; active?: boolean }) => patch<AdminDepartment>(`/api/departments/${id}`, body);
export const createDepartment = (body: { code: string; name: string; kind: string; regionCode: string; parentCode?: string }) => post<AdminDepartment>('/api/departments', body);

export type DayKind = 'holiday' | 'workday';
export interface CalendarDay {
  day: string;
  kind: DayKind;
  name: string;
  weekday: number;
  weekend: boolean;
}
export interface CalendarYear {
  year: number;
  timeZone: string;
  workingHours: Array<{ start: string; end: string }>;
  days: CalendarDay[];
}
export const getCalendar = (year: number) => get<CalendarYear>('/api/calendar', { year });
export const putCalendarDay = (day: string, body: { kind: DayKind; name: string }) => api<CalendarDay>(`/api/calendar/${day}`, { method: 'PUT', body });
export const deleteCalendarDay = (day: string) => del<void>(`/api/calendar/${day}`);
export const importCalendar = (year: number, days: Array<{ day: string; kind: DayKind; name: string }>) => post<{ year: number; removed: number; days: CalendarDay[] }>('/api/calendar/import', { year, days });
