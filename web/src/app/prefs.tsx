import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

/** Elder mode (长者模式): larger type and targets, simpler layout; a preference of this browser. */
const ELDER_KEY = 'gz.elder';

interface Prefs {
  elder: boolean;
  setElder(v: boolean): void;
}

const PrefsContext = createContext<Prefs>({ elder: false, setElder: () => undefined });

function readElder(): boolean {
  try {
    return localStorage.getItem(ELDER_KEY) === '1';
  } catch {
    return false;
  }
}

export function PrefsProvider({ children }: { children: ReactNode }) {
  const [elder, setElderState] = useState(readElder);
  useEffect(() => {
    document.documentElement.dataset.elder = elder ? 'true' : 'false';
  }, [elder]);
  const setElder = useCallback((v: boolean) => {
    setElderState(v);
    try {
      localStorage.setItem(ELDER_KEY, v ? '1' : '0');
    } catch {
      // not persisted
    }
  }, []);
  const value = useMemo(() => ({ elder, setElder }), [elder, setElder]);
  return <PrefsContext.Provider value={value}>{children}</PrefsContext.Provider>;
}

export const usePrefs = () => useContext(PrefsContext);
