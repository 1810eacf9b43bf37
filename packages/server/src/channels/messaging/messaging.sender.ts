import { type HelplineError, messagingFailure } from '@helpline/core';
import {
  Channels,
  type Messages,
  MessageTypes,
  MessengerAudio,
  MessengerCategory,
  MessengerFile,
  MessengerImage,
  MessengerText,
  MessengerVideo,
  SMS,
  WhatsAppAudio,
  WhatsAppFile,
  WhatsAppImage,
  WhatsAppLanguageCode,
  WhatsAppTemplate,
  WhatsAppText,
  WhatsAppVideo,
} from '@vonage/messages';
import type { MediaKind, OutboundContent, VonageChannel } from './messaging.types';

/**
 * The part of the SDK's `Messages` client the adapter uses. Typed from the SDK's own declarations: the fake
 * (messaging.fake.ts) implements exactly this, so a change of `send` in `@vonage/messages` fails to compile there.
 */
export type MessagesPort = Pick<Messages, 'send'>;

/** What {@link MessagesPort.send} takes: one of the SDK's message classes. */
export type SdkMessage = Parameters<Messages['send']>[0];

/** A send, ready to become an SDK message: text, media at a URL Vonage can fetch, or a WhatsApp template. */
export type SdkContent =
  | Extract<OutboundContent, { readonly kind: 'text' | 'template' }>
  | {
      readonly kind: MediaKind;
      readonly url: string;
      readonly caption?: string | undefined;
      readonly name?: string | undefined;
    };

const LOCALES: ReadonlySet<string> = new Set(Object.values(WhatsAppLanguageCode));

/** True when WhatsApp (as the SDK lists its languages) knows `locale`. */
export function isWhatsAppLocale(locale: string): boolean {
  return LOCALES.has(locale);
}

/** Numbers go to Vonage without their `+` (`447700900001`); Messenger ids as they are. */
const wire = (party: string) => party.replace(/^\+/, '');

/**
 * Builds the SDK's message class for `content` on `channel`, from our sender to the customer, with our message id
 * as `client_ref` (Vonage echoes it in every status). Throws `messaging/unsupported` for what the channel cannot carry
 * (media or a template on SMS, a template on Messenger).
 */
export function buildSdkMessage(
  channel: VonageChannel,
  parties: { readonly from: string; readonly to: string; readonly clientRef: string },
  content: SdkContent,
): SdkMessage {
  const base = { from: wire(parties.from), to: wire(parties.to), clientRef: parties.clientRef };
  const unsupported = () => messagingFailure('messaging/unsupported', { channel, what: content.kind });
  if (channel === 'sms') {
    if (content.kind !== 'text') throw unsupported();
    return new SMS({ ...base, channel: Channels.SMS, messageType: MessageTypes.TEXT, text: content.text });
  }
  if (channel === 'whatsapp') {
    switch (content.kind) {
      case 'text':
        return new WhatsAppText({ ...base, text: content.text });
      case 'template':
        return new WhatsAppTemplate({
          ...base,
          whatsapp: { policy: 'deterministic', locale: content.locale as WhatsAppLanguageCode },
          template: { name: content.name, parameters: [...content.parameters] },
        });
      case 'image':
        return new WhatsAppImage({ ...base, image: { url: content.url, caption: content.caption } });
      case 'file':
        return new WhatsAppFile({
          ...base,
          file: { url: content.url, caption: content.caption, name: content.name },
        });
      case 'audio':
        return new WhatsAppAudio({ ...base, audio: { url: content.url } });
      case 'video':
        return new WhatsAppVideo({ ...base, video: { url: content.url } });
    }
  }
  // Messenger: a reply to the customer within Facebook's standard messaging window.
  const messenger = { category: MessengerCategory.RESPONSE };
  switch (content.kind) {
    case 'text':
      return new MessengerText({ ...base, messenger, text: content.text });
    case 'image':
      return new MessengerImage({ ...base, messenger, image: { url: content.url } });
    case 'file':
      return new MessengerFile({ ...base, messenger, file: { url: content.url } });
    case 'audio':
      return new MessengerAudio({ ...base, messenger, audio: { url: content.url } });
    case 'video':
      return new MessengerVideo({ ...base, messenger, video: { url: content.url } });
    case 'template':
      throw unsupported();
  }
}

/** The SDK's failure, as far as we read it: `VetchError` carries the HTTP response. */
interface ApiFailure {
  readonly response?: {
    readonly status: number;
    readonly headers?: { get(name: string): string | null };
    json?(): Promise<unknown>;
  };
}

/** Vonage's error body (RFC 7807): `type` ends with the error's number (`…/messages-olympus#1340`). */
interface ProblemBody {
  readonly type?: unknown;
  readonly title?: unknown;
  readonly detail?: unknown;
}

// Vonage's number for "outside the allowed window" (WhatsApp's 24 hours, Messenger's standard window).
const OUTSIDE_WINDOW = '1340';

/**
 * Maps whatever the SDK threw to a typed error: `messaging/window-closed` when Vonage says the customer-care window
 * is over, otherwise `messaging/vonage-api` naming the status and Vonage's own explanation (a 429 or 5xx carries a
 * `retryAfterMs`). A network failure or time-out is `no answer`.
 */
export async function mapSendError(error: unknown, operation: string): Promise<HelplineError> {
  const response = (error as ApiFailure | null)?.response;
  if (!response || typeof response.status !== 'number') {
    return messagingFailure(
      'messaging/vonage-api',
      { status: 'no answer', operation, detail: error instanceof Error ? error.message : 'unknown failure' },
      { cause: error },
    );
  }
  let problem: ProblemBody = {};
  try {
    const body = await response.json?.();
    if (body && typeof body === 'object') problem = body as ProblemBody;
  } catch {
    // The body was not JSON or was read already: the status still says enough.
  }
  const type = typeof problem.type === 'string' ? problem.type : '';
  if (type.endsWith(`#${OUTSIDE_WINDOW}`) || String(problem.title) === OUTSIDE_WINDOW) {
    return messagingFailure(
      'messaging/window-closed',
      { lastInbound: 'over 24 hours ago' },
      { cause: error },
    );
  }
  const detail = [problem.title, problem.detail]
    .filter((part) => typeof part === 'string' || typeof part === 'number')
    .join(': ')
    .slice(0, 300);
  const retryable = response.status === 429 || response.status >= 500;
  const retryAfter = Number(response.headers?.get('retry-after'));
  return messagingFailure(
    'messaging/vonage-api',
    { status: response.status, operation, detail: detail || 'no detail' },
    {
      cause: error,
      ...(retryable
        ? { retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 5_000 }
        : {}),
    },
  );
}
