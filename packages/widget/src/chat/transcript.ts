import type { ChatMessage } from '@helpline/core';
import { tokenize, toPlainText } from '@helpline/core';
import type { Translator } from '../i18n/i18n';

/**
 * The chat as plain text, one line per message, built with the safe renderer's `toPlainText` (links keep
 * their targets). It is only ever offered as a `text/plain` download, never rendered as HTML.
 *
 * @example
 * ```ts
 * const text = buildTranscript(session.$messages.get(), i18n);
 * ```
 */
export function buildTranscript(messages: readonly ChatMessage[], i18n: Translator): string {
  const lines = [i18n.t('transcriptTitle'), ''];
  for (const message of messages) {
    if (message.status === 'failed') continue;
    const who = message.from.role === 'visitor' ? i18n.t('you') : message.from.name;
    // Attached files by name (text, as everywhere).
    const files = (message.attachments ?? []).map((file) => `[${file.name}]`);
    const text = [toPlainText(tokenize(message.text), { linkTargets: true }), ...files]
      .filter(Boolean)
      .join(' ');
    lines.push(`[${i18n.formatDateTime(message.at)}] ${who}: ${text.replace(/\n/g, '\n    ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Offers `text` as a `.txt` download, or a fetched file as itself (a Blob URL on a temporary link; no HTML is
 * parsed).
 */
export function downloadText(text: string | Blob, fileName: string, doc: Document = document): void {
  const blob = typeof text === 'string' ? new Blob([text], { type: 'text/plain;charset=utf-8' }) : text;
  const url = URL.createObjectURL(blob);
  const link = doc.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  doc.body.append(link);
  link.click();
  link.remove();
  // The download has started once click() returns; the URL is no longer needed after this task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
