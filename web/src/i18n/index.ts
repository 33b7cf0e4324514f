import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import zhCN from './zh-CN.json';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const KEY = 'gz.lang';

function initialLanguage(): Language {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // storage blocked: fall through to the default
  }
  return 'zh-CN';
}

void i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
  returnNull: false,
});

// The document's language follows the UI's, for screen readers and for CJK font selection.
const syncLang = (lng: string) => {
  document.documentElement.lang = lng;
  document.title = i18n.t('app.title');
};
syncLang(i18n.language);
i18n.on('languageChanged', (lng) => {
  syncLang(lng);
  try {
    localStorage.setItem(KEY, lng);
  } catch {
    // not persisted; the switch still works for this page
  }
});

export default i18n;
