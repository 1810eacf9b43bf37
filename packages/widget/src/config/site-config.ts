import type { SiteMessages } from '../i18n/i18n';

/** A label given once for every language, or per language tag (`{ en: 'Billing', nl: 'Facturen' }`). */
export type LocalizedText = string | Readonly<Record<string, string>>;

/** One field of the pre-chat form. */
export interface PrechatField {
  /** Key sent to the server (`[A-Za-z0-9_-]`, at most 40 characters). */
  readonly name: string;
  readonly type?: 'text' | 'email' | 'tel' | 'textarea' | undefined;
  /** Defaults to the catalog's label for `name`, `email`, `phone` and `message`. */
  readonly label?: LocalizedText | undefined;
  readonly required?: boolean | undefined;
  /** At most the protocol's pre-chat value limit (500). */
  readonly maxLength?: number | undefined;
  /** The `autocomplete` token, e.g. `name`, `email`. */
  readonly autocomplete?: string | undefined;
}

/** An entry of the topic menu; it routes the chat to a queue. */
export interface Topic {
  readonly id: string;
  readonly label: LocalizedText;
  readonly queueId?: string | undefined;
}

/** Which contact channels the site offers. Chat and offline messages are on unless switched off. */
export interface SiteChannels {
  readonly chat?: boolean | undefined;
  readonly callback?: boolean | undefined;
  readonly voice?: boolean | undefined;
  readonly offlineMessage?: boolean | undefined;
}

/** A time window in which an agent calls the visitor back. */
export interface CallbackSlot {
  /** Epoch ms. */
  readonly start: number;
  /** Epoch ms. */
  readonly end: number;
}

/**
 * What a site configures for its widget: the server sends it (`helpline serve`), or the page sets it with
 * `widget.configure(…)` / `Helpline('config', …)`.
 */
export interface SiteConfig {
  readonly topics?: readonly Topic[] | undefined;
  readonly prechat?: readonly PrechatField[] | undefined;
  /** `false` when every queue is closed now: the widget offers an offline message and callback slots. */
  readonly open?: boolean | undefined;
  readonly channels?: SiteChannels | undefined;
  /**
   * Callback slots inside business hours, as the server computed them (epoch ms). The widget shows them in
   * the visitor's time zone. Without slots only "as soon as possible" is offered.
   */
  readonly callbackSlots?: readonly CallbackSlot[] | undefined;
  /**
   * Voicemail of the queue the widget calls: offered when it is closed, and to a caller who has waited `afterSeconds`
   * unanswered; a message lasts at most `maxSeconds`.
   */
  readonly voicemail?:
    | { readonly queueId?: string | undefined; readonly afterSeconds: number; readonly maxSeconds: number }
    | undefined;
  /** Text overrides per language. */
  readonly messages?: SiteMessages | undefined;
}

/** The label of `text` in `locale` (exact tag, then base language, then English, then any). */
export function localize(text: LocalizedText, locale: string): string {
  if (typeof text === 'string') return text;
  const base = locale.split('-')[0] ?? locale;
  return text[locale] ?? text[base] ?? text.en ?? Object.values(text)[0] ?? '';
}
