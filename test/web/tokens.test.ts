import { describe, expect, it } from 'vitest';
import { CONTRAST_PAIRS, contrast, dark, light, tokenStylesheet } from '../../web/src/theme/tokens.js';

describe('colour tokens', () => {
  it('computes WCAG contrast (black on white is 21:1, a colour on itself 1:1)', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#0b4f9c', '#0b4f9c')).toBe(1);
  });

  it.each(CONTRAST_PAIRS)('%s on %s reaches %d:1 (%s)', (fg, bg, min) => {
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(min);
  });

  it('every text colour of each palette is checked against at least one background', () => {
    const checked = new Set(CONTRAST_PAIRS.map((p) => p[0]));
    for (const c of [light.text, light.textMuted, light.primary, light.onPrimary, light.danger, light.success, light.warning, dark.text, dark.textMuted, dark.accent]) {
      expect(checked.has(c)).toBe(true);
    }
  });

  it('writes every token as a CSS variable', () => {
    const css = tokenStylesheet();
    expect(css).toContain('--c-text: #1a2433;');
    expect(css).toContain('--c-on-primary: #ffffff;');
    expect(css).toMatch(/\[data-theme='dark'\] \{[^}]*--c-bg: #06111f;/);
  });
});
