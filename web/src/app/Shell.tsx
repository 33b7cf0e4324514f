import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useNavigate } from 'react-router-dom';
import { homeFor, navFor, useAuth } from './auth';
import { usePrefs } from './prefs';

/** Language and elder-mode switches: on every page, including the login page and the screen. */
export function PrefSwitches({ compact = false }: { compact?: boolean }) {
  const { t, i18n } = useTranslation();
  const { elder, setElder } = usePrefs();
  const en = i18n.language.startsWith('en');
  return (
    <div className="pref-switches" role="group" aria-label={t('prefs.label')}>
      <button
        type="button"
        className="btn btn-ghost btn-sm"
        data-testid="lang-switch"
        lang={en ? 'zh-CN' : 'en'}
        aria-label={en ? '切换到中文' : 'Switch to English'}
        onClick={() => void i18n.changeLanguage(en ? 'zh-CN' : 'en')}
      >
        <span className="long">{en ? '中文' : 'English'}</span>
        <span className="short" aria-hidden="true">
          {en ? '中' : 'EN'}
        </span>
      </button>
      <button
        type="button"
        className={`btn btn-sm ${elder ? 'btn-primary' : 'btn-ghost'}`}
        data-testid="elder-switch"
        aria-pressed={elder}
        onClick={() => setElder(!elder)}
      >
        <span className="long">{t('prefs.elder')}</span>
        <span className="short">{compact ? t('prefs.elderShort') : t('prefs.elder')}</span>
      </button>
    </div>
  );
}

export function Shell() {
  const { t } = useTranslation();
  const { session, active, activeIndex, setActive, logout } = useAuth();
  const navigate = useNavigate();
  const grants = session?.grants ?? [];
  const nav = navFor(active);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <Link to={homeFor(active)} className="brand" aria-label={t('app.home')}>
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-tag elder-hide">{t('app.tagline')}</span>
        </Link>
        <nav className="mainnav" aria-label={t('nav.label')}>
          {nav.map((n) => (
            <NavLink key={n.to} to={n.to} className={({ isActive }) => (isActive ? 'active' : '')}>
              {t(n.label)}
            </NavLink>
          ))}
        </nav>
        <div className="topbar-right">
          <PrefSwitches compact />
          {session && (
            <div className="user-box">
              {grants.length > 1 ? (
                <label className="grant-switch">
                  <span className="sr-only">{t('shell.actingAs')}</span>
                  <select
                    data-testid="grant-switch"
                    value={activeIndex}
                    onChange={(e) => {
                      const i = Number(e.target.value);
                      setActive(i);
                      navigate(homeFor(grants[i] ?? null));
                    }}
                  >
                    {grants.map((g, i) => (
                      <option key={i} value={i}>
                        {t(`roles.${g.role}`)} · {g.regionName ?? g.regionCode}
                        {g.departmentName ? ` · ${g.departmentName}` : ''}
                      </option>
                    ))}
                  </select>
                </label>
              ) : (
                active && (
                  <span className="chip" data-testid="role-chip">
                    {t(`roles.${active.role}`)} · {active.regionName ?? active.regionCode}
                  </span>
                )
              )}
              <span className="user-name" data-testid="user-name">
                {session.user.name}
              </span>
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                onClick={() => {
                  void logout().then(() => navigate('/login'));
                }}
              >
                {t('shell.logout')}
              </button>
            </div>
          )}
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
