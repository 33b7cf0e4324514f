import { get, listOf, post, setCsrfToken, del } from '../../api/client';

export type Role =
  | 'resident'
  | 'grid_worker'
  | 'operator'
  | 'handler'
  | 'mediator'
  | 'supervisor'
  | 'volunteer_admin'
  | 'analyst'
  | 'admin';

export interface Grant {
  id?: number;
  role: Role;
  regionCode: string;
  regionName?: string;
  regionLevel?: string;
  departmentId?: number | null;
  departmentName?: string | null;
}

export interface User {
  id: number;
  name: string;
  phone?: string;
}

export interface Session {
  user: User;
  grants: Grant[];
  csrfToken?: string;
}

export interface DemoUser {
  name: string;
  phone: string;
  password: string;
  role: Role;
  /** Where the role applies, in words. */
  scope?: string;
}

/** Normalise the session answer: grants may sit on the user or beside it. */
function toSession(v: unknown): Session {
  const o = (v ?? {}) as Record<string, unknown>;
  const user = (o.user ?? o) as User & { grants?: Grant[] };
  const grants = (Array.isArray(o.grants) ? o.grants : user.grants ?? []) as Grant[];
  const s: Session = { user: { id: user.id, name: user.name, ...(user.phone ? { phone: user.phone } : {}) }, grants };
  if (typeof o.csrfToken === 'string') s.csrfToken = o.csrfToken;
  return s;
}

export async function login(phone: string, password: string): Promise<Session> {
  const s = toSession(await post<unknown>('/api/auth/login', { phone, password }));
  setCsrfToken(s.csrfToken ?? null);
  return s;
}

export async function logout(): Promise<void> {
  try {
    await post('/api/auth/logout');
  } finally {
    setCsrfToken(null);
  }
}

export async function me(): Promise<Session | null> {
  try {
    const v = await get<unknown>('/api/auth/me');
    const s = toSession(v);
    if (!s.user?.id) return null;
    if (s.csrfToken) setCsrfToken(s.csrfToken);
    return s;
  } catch {
    return null;
  }
}

/** The demo users (demo installations only: elsewhere the endpoint is a 404 and the list empty). */
export async function demoUsers(): Promise<DemoUser[]> {
  try {
    const v = await get<{ password?: string; users?: Array<Omit<DemoUser, 'password'> & { password?: string }> }>('/api/auth/demo-users', undefined, { allow404: true });
    return listOf<Omit<DemoUser, 'password'> & { password?: string }>(v, 'users').map((u) => ({ ...u, password: u.password ?? v?.password ?? '' }));
  } catch {
    return [];
  }
}

// Admin ------------------------------------------------------------------------------------------

export interface AdminUser {
  id: number;
  name: string;
  phone: string;
  disabled?: boolean;
  grants?: Grant[];
}

export const listUsers = async (q?: string) => listOf<AdminUser>(await get<unknown>('/api/users', { q: q || undefined }), 'users');
export interface GrantInput {
  role: Role;
  regionCode: string;
  departmentCode?: string;
}
export const createUser = (body: { name: string; phone: string; password: string; grants?: GrantInput[] }) => post<AdminUser>('/api/users', body);
export const addGrant = (userId: number, body: GrantInput) => post(`/api/users/${userId}/grants`, body);
export const removeGrant = (userId: number, grantId: number) => del(`/api/users/${userId}/grants/${grantId}`);

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  createdAt?: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
}
export const listApiKeys = async () => listOf<ApiKey>(await get<unknown>('/api/apikeys'), 'apiKeys', 'keys');
export const createApiKey = (body: { name: string; grants: GrantInput[] }) => post<{ key: string } & ApiKey>('/api/apikeys', body);
export const revokeApiKey = (id: number) => del(`/api/apikeys/${id}`);

export interface Department {
  id: number;
  code: string;
  name: string;
}
export const listDepartments = async () => listOf<Department>(await get<unknown>('/api/departments'), 'departments');
