/**
 * Personal data shown to a role that does not need it in full. One rule for the whole platform,
 * so a phone number looks the same masked wherever it appears.
 */

/** 13812341234 → 138****1234; any other number keeps only its last 4 digits (0871-1234 → ****1234). */
export function maskPhone(phone: string): string {
  if (/^1\d{10}$/.test(phone)) return `${phone.slice(0, 3)}****${phone.slice(7)}`;
  return phone.length <= 4 ? '****' : `${'*'.repeat(phone.length - 4)}${phone.slice(-4)}`;
}
