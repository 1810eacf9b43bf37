/** What a redacted card number is replaced with (the last four digits stay, as on a receipt). */
const MASK = '•••• ';

// 13–19 digits, optionally grouped by single spaces or dashes; bounded so matching stays linear.
const CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;

/** True when the digits pass the Luhn checksum used by payment cards. */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * Replaces payment card numbers (13–19 digits passing Luhn, spaced or dashed or not) with a mask that keeps
 * the last four digits. Runs before anything is stored or logged: a visitor who pastes a card number into a
 * chat must not leave it in the database.
 *
 * @example
 * ```ts
 * redactCardNumbers('card 4111 1111 1111 1111 thanks'); // 'card •••• 1111 thanks'
 * ```
 */
export function redactCardNumbers(text: string): string {
  return text.replace(CANDIDATE, redactRun);
}

/**
 * A run may join a card with neighbouring digits ("ref 1 4111 1111 1111 1111"): try every window of whole
 * groups, longest first, so the card inside is still found.
 */
function redactRun(run: string): string {
  const parts = run.split(/([ -])/);
  const groups = parts.filter((_, i) => i % 2 === 0);
  const out: string[] = [];
  let start = 0;
  while (start < groups.length) {
    let end = groups.length;
    let found = -1;
    for (; end > start; end--) {
      const digits = groups.slice(start, end).join('');
      if (digits.length >= 13 && digits.length <= 19 && isLuhnValid(digits)) {
        found = end;
        break;
      }
    }
    if (found === -1) {
      out.push(parts.slice(start * 2, start * 2 + 1).join(''), parts[start * 2 + 1] ?? '');
      start++;
    } else {
      const digits = groups.slice(start, found).join('');
      out.push(`${MASK}${digits.slice(-4)}`, parts[found * 2 - 1] ?? '');
      start = found;
    }
  }
  return out.join('');
}
