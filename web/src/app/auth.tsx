import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { onUnauthenticated } from '../api/client';
import * as identity from '../features/identity/api';
import type { Grant, Role, Session } from '../features/identity/api';

/**
 * The logged-in user and the grant they are acting under. A user with several grants (an
 * operator who is also an analyst, a handler for two departments) picks one in the top bar; the
 * navigation and the home page follow it. The choice is only a view: the server checks every
 * request against all the user's grants.
 */
interface Auth {
  session: Session | null;
  loading: boolean;
  active: Grant | null;
  setActive(index: number): void;
  activeIndex: number;
  login(phone: string, password: string): Promise<Session>;
  logout(): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);
const ACTIVE_KEY = 'gz.activeGrant';

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [loading, setLoading] = useState(true);
  const [activeIndex, setActiveIndex] = useState(() => Number(sessionStorage.getItem(ACTIVE_KEY) ?? 0) || 0);

  useEffect(() => {
    let alive = true;
    void identity.me().then((s) => {
      if (!alive) return;
      setSession(s);
      setLoading(false);
    });
    const off = onUnauthenticated(() => setSession(null));
    return () => {
      alive = false;
      off();
    };
  }, []);

  const setActive = useCallback((i: number) => {
    setActiveIndex(i);
    sessionStorage.setItem(ACTIVE_KEY, String(i));
  }, []);

  const login = useCallback(async (phone: string, password: string) => {
    const s = await identity.login(phone, password);
    setSession(s);
    setActive(preferredGrant(s.grants));
    return s;
  }, [setActive]);

  const logout = useCallback(async () => {
    await identity.logout().catch(() => undefined);
    setSession(null);
  }, []);

  const grants = session?.grants ?? [];
  const idx = activeIndex < grants.length ? activeIndex : 0;
  const value = useMemo<Auth>(
    () => ({ session, loading, active: grants[idx] ?? null, activeIndex: idx, setActive, login, logout }),
    [session, loading, grants, idx, setActive, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error('useAuth outside AuthProvider');
  return a;
}

/** Work roles first: a resident grant is what everyone has, not what they log in to do. */
const ROLE_ORDER: Role[] = ['admin', 'operator', 'handler', 'grid_worker', 'supervisor', 'analyst', 'mediator', 'volunteer_admin', 'resident'];
export function preferredGrant(grants: Grant[]): number {
  let best = 0;
  grants.forEach((g, i) => {
    if (ROLE_ORDER.indexOf(g.role) < ROLE_ORDER.indexOf(grants[best]!.role)) best = i;
  });
  return best;
}

/** Where each role starts. */
export function homeFor(g: Grant | null): string {
  switch (g?.role) {
    case 'resident':
      return '/report';
    case 'grid_worker':
      return '/grid';
    case 'operator':
      return '/ops';
    case 'handler':
      return '/inbox';
    case 'admin':
      return '/admin';
    case 'analyst':
      return '/kpi';
    case 'supervisor':
    case 'mediator':
    case 'volunteer_admin':
      return `/screen/${g.regionCode}`;
    default:
      return '/login';
  }
}

export interface NavItem {
  to: string;
  label: string;
}

/** The navigation of a role (i18n keys). */
export function navFor(g: Grant | null): NavItem[] {
  const screen = { to: `/screen/${g?.regionCode ?? ''}`, label: 'nav.screen' };
  switch (g?.role) {
    case 'resident':
      return [{ to: '/report', label: 'nav.report' }, { to: '/my/reports', label: 'nav.myReports' }, { to: '/map', label: 'nav.publicMap' }];
    case 'grid_worker':
      return [{ to: '/grid', label: 'nav.gridTasks' }, { to: '/report', label: 'nav.patrol' }, { to: '/map', label: 'nav.publicMap' }];
    case 'operator':
      return [{ to: '/ops', label: 'nav.triage' }, { to: '/cases', label: 'nav.cases' }, { to: '/supervision', label: 'nav.supervision' }, screen];
    case 'handler':
      return [{ to: '/inbox', label: 'nav.inbox' }, { to: '/cases', label: 'nav.cases' }];
    case 'admin':
      return [{ to: '/admin', label: 'nav.admin' }, { to: '/cases', label: 'nav.cases' }, screen];
    case 'analyst':
      return [{ to: '/kpi', label: 'nav.kpi' }, screen];
    case 'supervisor':
      return [screen, { to: '/cases', label: 'nav.cases' }, { to: '/supervision', label: 'nav.supervision' }];
    case undefined:
      // Nobody logged in (the public map): the public pages and the way in.
      return [{ to: '/map', label: 'nav.publicMap' }, { to: '/login', label: 'nav.login' }];
    default:
      return [screen];
  }
}
