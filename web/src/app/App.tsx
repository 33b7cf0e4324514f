import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { AuthProvider, homeFor, useAuth } from './auth';
import { PrefsProvider } from './prefs';
import { Shell } from './Shell';
import { LoginPage } from '../features/identity/LoginPage';

// The heavy pages (maps, charts) load on demand so the login page stays small on a phone.
const ScreenPage = lazy(() => import('../features/screen/ScreenPage'));
const ReportPage = lazy(() => import('../features/cases/ReportPage'));
const MyReportsPage = lazy(() => import('../features/cases/MyReportsPage'));
const CaseDetailPage = lazy(() => import('../features/cases/CaseDetailPage'));
const QueuePage = lazy(() => import('../features/cases/QueuePage'));
const PublicMapPage = lazy(() => import('../features/cases/PublicMapPage'));
const KpiPage = lazy(() => import('../features/cases/KpiPage'));
const AdminPage = lazy(() => import('../features/admin/AdminPage'));
const SupervisionPage = lazy(() => import('../features/cases/SupervisionPage'));

function Loading() {
  const { t } = useTranslation();
  return (
    <div className="loading" role="status">
      {t('common.loading')}
    </div>
  );
}

function RequireLogin({ children }: { children: ReactNode }) {
  const { session, loading } = useAuth();
  const loc = useLocation();
  if (loading) return <Loading />;
  if (!session) return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  return <>{children}</>;
}

function Home() {
  const { session, loading, active } = useAuth();
  if (loading) return <Loading />;
  return <Navigate to={session ? homeFor(active) : '/login'} replace />;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="page narrow">
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.body')}</p>
      <a href="/">{t('notFound.home')}</a>
    </div>
  );
}

export function App() {
  return (
    <PrefsProvider>
      <AuthProvider>
        <BrowserRouter>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/" element={<Home />} />
              <Route path="/login" element={<LoginPage />} />
              <Route
                path="/screen/:code?"
                element={
                  <RequireLogin>
                    <ScreenPage />
                  </RequireLogin>
                }
              />
              <Route element={<Shell />}>
                <Route path="/map" element={<PublicMapPage />} />
                <Route path="/report" element={<RequireLogin><ReportPage /></RequireLogin>} />
                <Route path="/my/reports" element={<RequireLogin><MyReportsPage /></RequireLogin>} />
                <Route path="/cases" element={<RequireLogin><QueuePage view="all" /></RequireLogin>} />
                <Route path="/cases/:id" element={<RequireLogin><CaseDetailPage /></RequireLogin>} />
                <Route path="/ops" element={<RequireLogin><QueuePage view="triage" /></RequireLogin>} />
                <Route path="/inbox" element={<RequireLogin><QueuePage view="inbox" /></RequireLogin>} />
                <Route path="/grid" element={<RequireLogin><QueuePage view="grid" /></RequireLogin>} />
                <Route path="/supervision" element={<RequireLogin><SupervisionPage /></RequireLogin>} />
                <Route path="/kpi" element={<RequireLogin><KpiPage /></RequireLogin>} />
                <Route path="/admin" element={<RequireLogin><AdminPage /></RequireLogin>} />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </AuthProvider>
    </PrefsProvider>
  );
}
