// Mail bodies become safe text: HTML was already converted to text by mailparser (its html-to-text pass, which keeps
// no tag), then this module takes out what storage and the console must not get (control characters, lone
// surrogates), caps the length through the renderer's own text path, and separates the quoted history.
import { tokenize, toPlainText } from '@helpline/core/render';

/** Longest text kept of one mail's new part (the protocol's message limit is applied by the hub as well). */
export const MAX_EMAIL_TEXT = 20_000;

// C0 and C1 controls other than tab and newline, and the Unicode noncharacters U+FFFE/U+FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters it removes
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes a mail's text safe to store and show: line ends normalized, control characters dropped, lone surrogates
 * replaced, runs of blank lines shortened, and the whole passed through the renderer's text path
 * (`tokenize` without markdown or links, then `toPlainText`), which also caps it at `maxLength`.
 *
 * @example
 * ```ts
 * safeEmailText('Hello\r\n\r\n\r\n\r\nAnn\u0000'); // 'Hello\n\nAnn'
 * ```
 */
export function safeEmailText(text: string, maxLength = MAX_EMAIL_TEXT): string {
  const cleaned = text
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, '')
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return toPlainText(tokenize(cleaned, { markdown: false, autolink: false, maxLength }));
}

// "On Mon, 1 Jan 2026 at 10:00, Ann <ann@example.com> wrote:" in the languages mail programs write it in (German
// and others put the name after the verb: "Am … schrieb Ann <ann@example.com>:").
const ATTRIBUTION =
  /^(on|am|le|el|op|il|em|den|på|w dniu)\b.{0,300}\b(wrote|schrieb|a écrit|escribió|schreef|ha scritto|escreveu|skrev|napisał)(\s*:?|\s.{0,200}:)\s*$/i;
const SEPARATOR =
  /^\s*-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine|mensaje original|oorspronkelijk bericht)\s*-{2,}\s*$/i;
const OUTLOOK_RULE = /^_{10,}\s*$/;
const OUTLOOK_HEADER = /^(from|von|de|van|da):\s/i;

function startsQuotedHistory(lines: readonly string[], index: number): boolean {
  const line = lines[index] ?? '';
  if (ATTRIBUTION.test(line)) return true;
  // Long attributions wrap: "On …, Ann <ann@example.com>" / "wrote:".
  if (index + 1 < lines.length && ATTRIBUTION.test(`${line} ${lines[index + 1]}`)) return true;
  if (SEPARATOR.test(line)) return true;
  if (OUTLOOK_RULE.test(line) && OUTLOOK_HEADER.test(lines[index + 1] ?? '')) return true;
  // Outlook without a rule: a "From:" line after a blank line, followed by "Sent:"/"Date:" within a few lines.
  if (OUTLOOK_HEADER.test(line) && (lines[index - 1] ?? '').trim() === '') {
    return lines
      .slice(index + 1, index + 4)
      .some((next) => /^(sent|date|gesendet|envoyé|datum):\s/i.test(next));
  }
  // A block of "> " lines that runs to the end (blank lines aside).
  if (line.startsWith('>'))
    return lines.slice(index).every((rest) => rest.startsWith('>') || rest.trim() === '');
  return false;
}

/**
 * Splits a mail's text into its new part and the quoted history below it (`On … wrote:`, `-----Original
 * Message-----`, Outlook's `From:/Sent:` block, a trailing `>` block). The history is kept, separately, so the
 * console can show it folded. A mail that starts with the quote (a reply written between quoted lines) keeps all of
 * it as new text: nothing the customer wrote is ever hidden.
 */
export function splitQuotedHistory(text: string): { readonly text: string; readonly quoted: string } {
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    if (!startsQuotedHistory(lines, index)) continue;
    const fresh = lines.slice(0, index).join('\n').trim();
    if (fresh === '') break;
    return { text: fresh, quoted: lines.slice(index).join('\n').trim() };
  }
  return { text: text.trim(), quoted: '' };
}
