/**
 * The design system's colour and size tokens: the one source for the CSS variables (applied by
 * applyTokens) and for the contrast test (test/web/tokens.test.ts), which checks every text/
 * background pair listed in CONTRAST_PAIRS against WCAG AA. Add a pair when you add a token that
 * carries text.
 */

export const light = {
  bg: '#f4f6f9',
  surface: '#ffffff',
  surfaceAlt: '#eef2f7',
  border: '#c9d2de',
  text: '#1a2433',
  textMuted: '#4a5568',
  primary: '#0b4f9c',
  primaryHover: '#093f7d',
  onPrimary: '#ffffff',
  accent: '#f5b301',
  onAccent: '#1a2433',
  success: '#1b6e3a',
  warning: '#8a5300',
  danger: '#b3261e',
  onDanger: '#ffffff',
  info: '#0a5a84',
  focus: '#d97706',
  chipBg: '#e3ebf6',
  chipText: '#0b3d78',
} as const;

/** The command-centre screen: dark, for a wall in a dim room. */
export const dark = {
  bg: '#06111f',
  surface: '#0d1e33',
  surfaceAlt: '#13294a',
  border: '#24456f',
  text: '#e6eef8',
  textMuted: '#9fb3cc',
  primary: '#4fb3ff',
  onPrimary: '#06111f',
  accent: '#ffc640',
  success: '#4ade80',
  warning: '#fbbf24',
  danger: '#ff7a70',
  info: '#67e8f9',
} as const;

/** Map fill colours for load classes (low → high); boundaries carry the text, not the fills. */
export const loadScale = ['#12395f', '#1d5c8c', '#2f7fb3', '#d9a21b', '#e0672b', '#d63a3a'] as const;

export type Hex = `#${string}`;

/** [foreground, background, minimum ratio, what] — 4.5 for text, 3 for large text and UI parts. */
export const CONTRAST_PAIRS: Array<[string, string, number, string]> = [
  [light.text, light.bg, 4.5, 'text on page'],
  [light.text, light.surface, 4.5, 'text on card'],
  [light.text, light.surfaceAlt, 4.5, 'text on alt surface'],
  [light.textMuted, light.surface, 4.5, 'muted text on card'],
  [light.textMuted, light.bg, 4.5, 'muted text on page'],
  [light.onPrimary, light.primary, 4.5, 'button text'],
  [light.onPrimary, light.primaryHover, 4.5, 'button text (hover)'],
  [light.primary, light.surface, 4.5, 'link on card'],
  [light.primary, light.bg, 4.5, 'link on page'],
  [light.onAccent, light.accent, 4.5, 'accent badge'],
  [light.success, light.surface, 4.5, 'success text'],
  [light.warning, light.surface, 4.5, 'warning text'],
  [light.danger, light.surface, 4.5, 'danger text'],
  [light.onDanger, light.danger, 4.5, 'danger button'],
  [light.info, light.surface, 4.5, 'info text'],
  [light.chipText, light.chipBg, 4.5, 'chip'],
  [light.focus, light.surface, 3, 'focus ring'],
  [light.border, light.surface, 1.3, 'divider (decorative)'],
  [dark.text, dark.bg, 4.5, 'screen text'],
  [dark.text, dark.surface, 4.5, 'screen card text'],
  [dark.text, dark.surfaceAlt, 4.5, 'screen alt text'],
  [dark.textMuted, dark.surface, 4.5, 'screen muted text'],
  [dark.primary, dark.surface, 4.5, 'screen link'],
  [dark.onPrimary, dark.primary, 4.5, 'screen button'],
  [dark.accent, dark.surface, 4.5, 'screen KPI figure'],
  [dark.success, dark.surface, 4.5, 'screen good figure'],
  [dark.warning, dark.surface, 4.5, 'screen warning figure'],
  [dark.danger, dark.surface, 4.5, 'screen bad figure'],
  [dark.info, dark.surface, 4.5, 'screen info'],
];

function channel(v: number): number {
  const c = v / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function luminance(hex: string): number {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1]!, 16);
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

/** WCAG 2.x contrast ratio, 1..21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** CSS custom properties for a palette, e.g. `--c-text: #1a2433;`. */
export function cssVariables(palette: Record<string, string>, prefix = 'c'): string {
  return Object.entries(palette)
    .map(([k, v]) => `--${prefix}-${kebab(k)}: ${v};`)
    .join('\n  ');
}

/** The stylesheet of tokens: light on :root, dark under [data-theme=dark]. */
export function tokenStylesheet(): string {
  return `:root {\n  ${cssVariables(light)}\n  ${loadScale.map((c, i) => `--load-${i}: ${c};`).join('\n  ')}\n}\n[data-theme='dark'] {\n  ${cssVariables(dark)}\n}\n`;
}
