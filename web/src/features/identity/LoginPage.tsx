import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { errorText } from '../../api/errors';
import { homeFor, preferredGrant, useAuth } from '../../app/auth';
import { PrefSwitches } from '../../app/Shell';
import { demoUsers, type DemoUser } from './api';

export function LoginPage() {
  const { t } = useTranslation();
  const { session, active, login, loading } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [demo, setDemo] = useState<DemoUser[]>([]);
  const submitRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    void demoUsers().then(setDemo);
  }, []);

  if (!loading && session && !busy) return <Navigate to={params.get('next') ?? homeFor(active)} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!/^1\d{10}$/.test(phone.trim())) {
      setError(t('login.badPhone'));
      return;
    }
    setBusy(true);
    try {
      const s = await login(phone.trim(), password);
      const next = params.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : homeFor(s.grants[preferredGrant(s.grants)] ?? null), { replace: true });
    } catch (err) {
      setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  }

  function fill(u: DemoUser) {
    setPhone(u.phone);
    setPassword(u.password);
    setError(null);
    submitRef.current?.focus();
  }

  return (
    <div className="login-page">
      <div className="login-top">
        <PrefSwitches />
      </div>
      <div className="login-layout">
        <section className="login-hero elder-hide" aria-hidden="true">
          <div className="hero-mark">共治</div>
          <p className="hero-line">{t('login.heroLine')}</p>
          <ul className="hero-points">
            <li>{t('login.point1')}</li>
            <li>{t('login.point2')}</li>
            <li>{t('login.point3')}</li>
          </ul>
        </section>
        <section className="card login-card" aria-labelledby="login-title">
          <h1 id="login-title">{t('login.title')}</h1>
          <p className="muted">{t('login.subtitle')}</p>
          <form onSubmit={submit} noValidate>
            <div className="field">
              <label htmlFor="login-phone">{t('login.phone')}</label>
              <input
                id="login-phone"
                name="phone"
                type="tel"
                inputMode="numeric"
                autoComplete="username"
                value={phone}
                onChange={(e) => setPhone(e.target.value)}
                required
              />
            </div>
            <div className="field">
              <label htmlFor="login-password">{t('login.password')}</label>
              <input
                id="login-password"
                name="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
              />
            </div>
            {error && (
              <p className="alert alert-danger" role="alert" data-testid="login-error">
                {error}
              </p>
            )}
            <button ref={submitRef} type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="login-submit">
              {busy ? t('login.busy') : t('login.submit')}
            </button>
          </form>
          {demo.length > 0 && (
            <div className="demo-users" data-testid="demo-users">
              <h2>{t('login.demoTitle')}</h2>
              <p className="muted small">{t('login.demoHint')}</p>
              <ul>
                {demo.map((u) => (
                  <li key={`${u.phone}-${u.role}`}>
                    <button type="button" className="demo-user" data-testid={`demo-${u.phone}`} data-role={u.role} onClick={() => fill(u)}>
                      <span className="chip">{t(`roles.${u.role}`)}</span>
                      <span className="demo-name">{u.name}</span>
                      <span className="demo-scope muted small">
                        {u.scope}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
