import type { TFunction } from 'i18next';
import { ApiError } from './client';

/**
 * A person-readable message for any error: the i18n text for the API's stable error code
 * (errors.<code>), else the server's own message, else a generic one. Validation errors name the
 * field.
 */
export function errorText(t: TFunction, e: unknown): string {
  if (e instanceof ApiError) {
    const key = `errors.${e.code}`;
    const translated = t(key, { defaultValue: '' });
    const base = translated || e.message || t('errors.unknown');
    if (e.code === 'validation_failed' && e.field) return `${base} (${t(`fields.${e.field}`, { defaultValue: e.field })})`;
    return base;
  }
  if (e instanceof Error && e.name === 'AbortError') return '';
  return t('errors.unknown');
}
