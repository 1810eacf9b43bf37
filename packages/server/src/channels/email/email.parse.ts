// One raw mail → the channel's normalized ParsedEmail: mailparser decodes MIME (charsets, quoted-printable, base64)
// and turns HTML into text; this module adds threading ids, the kind of mail and the safe, de-quoted text.
import { createHash } from 'node:crypto';
import { type AddressObject, simpleParser } from 'mailparser';
import { classifyEmail, messageIdsIn, normalizeMessageId, readBounce, readHeaders } from './email.headers';
import { safeEmailText, splitQuotedHistory } from './email.text';
import type { EmailAddress, ParsedEmail } from './email.types';

/** Largest mail parsed, bytes; a larger one is taken in by its headers and a note (its attachments are not kept). */
export const MAX_PARSED_BYTES = 25 * 1024 * 1024;

function addresses(value: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: EmailAddress[] = [];
  const visit = (list: AddressObject['value']) => {
    for (const entry of list) {
      if (entry.address) out.push({ address: entry.address, ...(entry.name ? { name: entry.name } : {}) });
      if (entry.group) visit(entry.group);
    }
  };
  for (const object of objects) visit(object.value);
  return out;
}

/** A stable id for a mail without `Message-ID`, so that reading it twice is still recognised. */
function syntheticMessageId(source: Buffer): string {
  return `<${createHash('sha256').update(source).digest('hex').slice(0, 32)}@no-message-id.helpline.invalid>`;
}

/**
 * Parses one raw mail (RFC 5322, as IMAP or SMTP delivers it) into a {@link ParsedEmail}. Never returns HTML: an
 * HTML-only mail becomes text through mailparser's html-to-text and then {@link safeEmailText}.
 */
export async function parseEmail(source: Buffer): Promise<ParsedEmail> {
  const raw = source.toString('latin1'); // headers are ASCII; the body is only searched for ids and DSN fields
  const headers = readHeaders(raw);
  const parsed = await simpleParser(source, {
    skipImageLinks: true,
    skipTextToHtml: true,
    keepCidLinks: false,
  });
  const from = addresses(parsed.from)[0];
  const classification = classifyEmail(headers, from?.address);
  const recipients = [
    ...addresses(parsed.to),
    ...addresses(parsed.cc),
    ...(headers.get('delivered-to') ?? []).map((address) => ({ address })),
    ...(headers.get('x-original-to') ?? []).map((address) => ({ address })),
  ].map((entry) => entry.address.trim().toLowerCase());
  const { text, quoted } = splitQuotedHistory(safeEmailText(parsed.text ?? ''));
  const bounce = classification.kind === 'bounce' ? readBounce(raw) : undefined;
  const sentAt = parsed.date?.getTime() ?? Number.NaN;
  return {
    messageId: normalizeMessageId(parsed.messageId) ?? syntheticMessageId(source),
    inReplyTo: messageIdsIn(headers.get('in-reply-to')?.[0])[0],
    references: messageIdsIn(headers.get('references')?.join(' ')),
    from,
    recipients: [...new Set(recipients)],
    subject: safeEmailText(parsed.subject ?? '', 500).replace(/\s+/g, ' '),
    text,
    quoted,
    sentAt,
    kind: classification.kind,
    kindReason: classification.reason,
    bouncedMessageIds: bounce?.messageIds ?? [],
    ...(bounce?.detail ? { bounceDetail: bounce.detail } : {}),
    // A bounce carries our own reply back: nothing in it is the customer's file.
    files:
      classification.kind === 'message'
        ? parsed.attachments.map((part, index) => ({
            name: part.filename ?? `attachment-${index + 1}`,
            type: part.contentType ?? '',
            bytes: part.content,
          }))
        : [],
  };
}
