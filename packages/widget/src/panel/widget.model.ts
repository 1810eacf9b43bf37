import type { ChatMessage, VisitorSession, WireInteraction } from '@helpline/core';
import { createTypingReporter, isHelplineError, LIMITS, phaseOf } from '@helpline/core';
import { atom, computed, type ReadableAtom } from 'nanostores';
import type { VisitorIdentity } from '../config/identity';
import type { PrechatField, SiteConfig } from '../config/site-config';
import type { MessageKey } from '../i18n/i18n';

/** Which screen the panel shows. */
export type WidgetView = 'home' | 'prechat' | 'chat' | 'callback' | 'offline' | 'call' | 'voicemail';

/** An error to show: a catalog key and its parameters, never raw server text. */
export interface WidgetError {
  readonly key: MessageKey;
  readonly params?: Readonly<Record<string, string | number>> | undefined;
}

/** Field name → what is wrong with it. */
export type FieldErrors = Readonly<Record<string, WidgetError>>;

/** What the model reports to the host page (`helpline-*` events, `Helpline('on', …)`). */
export type WidgetModelEvent =
  | { readonly type: 'message'; readonly message: ChatMessage }
  | { readonly type: 'chat-start'; readonly cid: string }
  | { readonly type: 'chat-end'; readonly cid: string }
  | {
      readonly type: 'callback';
      readonly cid: string;
      readonly phone: string;
      readonly slot: number | 'asap';
    }
  | { readonly type: 'error'; readonly error: WidgetError };

/** Options of {@link createWidgetModel}. */
export interface WidgetModelOptions {
  readonly session: VisitorSession;
  readonly config?: SiteConfig | undefined;
  /** A visitor the host site identified: their details prefill (or skip) the pre-chat form. */
  readonly identity?: VisitorIdentity | undefined;
  /** BCP 47 tag sent with new chats. */
  readonly language: string;
  /** IANA zone sent with callback requests (default: the browser's). */
  readonly timeZone?: string | undefined;
  readonly onEvent?: (event: WidgetModelEvent) => void;
}

/** The default pre-chat form: an optional name. */
export const DEFAULT_PRECHAT: readonly PrechatField[] = [{ name: 'name', autocomplete: 'name' }];

/** The default offline-message fields: a name and an email address to reply to. */
export const DEFAULT_OFFLINE_FIELDS: readonly PrechatField[] = [
  { name: 'name', autocomplete: 'name' },
  { name: 'email', type: 'email', required: true },
];

const FIELD_LABEL_KEYS: Readonly<Record<string, MessageKey>> = {
  name: 'fieldName',
  email: 'fieldEmail',
  phone: 'fieldPhone',
  message: 'fieldMessage',
};

/** The catalog key of a pre-chat field's default label, when it has one. */
export function fieldLabelKey(name: string): MessageKey | undefined {
  return FIELD_LABEL_KEYS[name];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Whether the interaction is over for the visitor (the agent may still be wrapping up). */
export function isFinished(interaction: Pick<WireInteraction, 'channel' | 'state'> | undefined): boolean {
  const phase = interaction && phaseOf(interaction.channel, interaction.state);
  return phase === 'wrap-up' || phase === 'final';
}

/**
 * Turns any failure into a translated, actionable error: rate limits carry their wait, closed queues say so,
 * everything unknown is a generic "try again". Server text is never shown as is.
 */
export function describeError(error: unknown): WidgetError {
  if (!isHelplineError(error)) return { key: 'errorGeneric' };
  switch (error.code) {
    case 'limit/rate':
      return {
        key: 'errorRate',
        params: { count: Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000)) },
      };
    case 'unavailable':
      return {
        key: 'errorUnavailable',
        params: { count: Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000)) },
      };
    case 'limit/size':
      return { key: 'errorMessageTooLong', params: { count: LIMITS.text + 1, max: LIMITS.text } };
    case 'queue/closed':
      return { key: 'errorClosed' };
    case 'conflict/state':
      return { key: 'errorConflict' };
    case 'connection/closed':
    case 'connection/timeout':
    case 'auth/invalid-token':
    case 'auth/required':
      return { key: 'errorConnect' };
    case 'voice/permission-denied':
      return { key: 'errorMicDenied' };
    case 'voice/no-device':
      return { key: 'errorNoMic' };
    case 'voice/device-busy':
      return { key: 'errorMicBusy' };
    default:
      return { key: 'errorGeneric' };
  }
}

/** The visitor-side logic of the panel: views, validation, errors, unread count. Framework-free. */
export interface WidgetModel {
  readonly session: VisitorSession;
  readonly $config: ReadableAtom<SiteConfig>;
  readonly $view: ReadableAtom<WidgetView>;
  /** The conversation the panel shows: the session's current one, until `newConversation()` puts it away. */
  readonly $current: ReadableAtom<WireInteraction | undefined>;
  /** The topic chosen in the menu. */
  readonly $topic: ReadableAtom<string | undefined>;
  /** True when the site is closed (configured, or a queue refused with `queue/closed`). */
  readonly $closed: ReadableAtom<boolean>;
  /** The last error of an action, for the view's alert. */
  readonly $error: ReadableAtom<WidgetError | undefined>;
  readonly $fieldErrors: ReadableAtom<FieldErrors>;
  /** An action is in flight (buttons show it and ignore repeats). */
  readonly $busy: ReadableAtom<boolean>;
  /** Agent messages the visitor has not seen (the panel was closed or hidden). */
  readonly $unread: ReadableAtom<number>;
  /** The visitor cancelled the current callback. */
  readonly $callbackCancelled: ReadableAtom<boolean>;
  /** The pre-chat fields of the site. */
  prechatFields(): readonly PrechatField[];
  /** The fields of the offline-message form: the pre-chat fields, or a name and a required email. */
  offlineFields(): readonly PrechatField[];
  /** What identity already answers of the pre-chat form. */
  prefill(): Readonly<Record<string, string>>;
  setConfig(config: SiteConfig): void;
  navigate(view: WidgetView): void;
  clearError(): void;
  /** Picks a topic; starts the chat at once when no pre-chat question is left to ask. */
  chooseTopic(topicId: string | undefined): Promise<void>;
  /** Goes to the pre-chat form, or starts the chat when identity already answers it. */
  beginChat(): Promise<void>;
  /** Validates and submits the pre-chat form; resolves `false` when a field is wrong. */
  startChat(values: Readonly<Record<string, string>>): Promise<boolean>;
  /** Validates and sends a message; `false` when it was not accepted locally (empty, too long). */
  send(text: string): boolean;
  /** The visitor typed (or stopped): the agent sees them typing until a pause of core's `TYPING_IDLE_MS`. */
  typing(active: boolean): void;
  endChat(): Promise<void>;
  /**
   * Runs an action of a view (the survey's, say) as the model runs its own: one at a time (`$busy`), its failure
   * becoming `$error`. Resolves whether it succeeded.
   */
  perform(action: () => Promise<unknown>): Promise<boolean>;
  /** Requests a callback to an E.164 number, as soon as possible or in a slot. */
  requestCallback(phone: string | undefined, slot: number | 'asap' | undefined): Promise<boolean>;
  cancelCallback(): Promise<void>;
  leaveOfflineMessage(values: Readonly<Record<string, string>>, text: string): Promise<boolean>;
  /** Forgets the finished conversation and shows the start screen. */
  newConversation(): void;
  /** Whether the visitor sees the panel now: seen messages are marked read. */
  setVisible(visible: boolean): void;
  /** Rejoins the visitor's open conversation after a reload. */
  restore(): Promise<void>;
  /** Reports an error from a view (e.g. the voice engine failed to load). */
  fail(error: unknown): void;
  dispose(): void;
}

/**
 * Creates the widget model over a visitor session.
 *
 * @example
 * ```ts
 * const model = createWidgetModel({ session, language: 'en', config: { topics } });
 * await model.chooseTopic('billing');
 * model.send('Hello!');
 * ```
 */
export function createWidgetModel(options: WidgetModelOptions): WidgetModel {
  const { session } = options;
  const $config = atom<SiteConfig>(options.config ?? {});
  const $route = atom<WidgetView>('home');
  const $topic = atom<string | undefined>(undefined);
  const $refusedClosed = atom(false);
  const $error = atom<WidgetError | undefined>(undefined);
  const $fieldErrors = atom<FieldErrors>({});
  const $busy = atom(false);
  const $seenSeq = atom(0);
  const $visible = atom(false);
  const $dismissed = atom<string | undefined>(undefined);
  const $callbackCancelled = atom(false);
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

  const $closed = computed([$config, $refusedClosed], (config, refused) => refused || config.open === false);
  const $current = computed([session.$interaction, $dismissed], (interaction, dismissed) =>
    interaction && interaction.id !== dismissed ? interaction : undefined,
  );
  const $view = computed([$route, $current], (route, interaction): WidgetView => {
    if (!interaction) return route;
    switch (interaction.channel) {
      case 'callback':
        return 'callback';
      case 'offline-message':
        return 'offline';
      case 'voice':
        return 'call';
      case 'voicemail':
        return 'voicemail';
      default:
        return 'chat';
    }
  });
  const $unread = computed([session.$messages, $seenSeq, $current], (messages, seen, current) =>
    current ? messages.filter((m) => m.from.role !== 'visitor' && (m.seq ?? 0) > seen).length : 0,
  );

  const emit = (event: WidgetModelEvent) => options.onEvent?.(event);
  const fail = (error: unknown) => {
    const described = describeError(error);
    if (isHelplineError(error) && error.code === 'queue/closed') $refusedClosed.set(true);
    $error.set(described);
    emit({ type: 'error', error: described });
  };

  /** Runs one action at a time; errors become `$error`. Resolves whether it succeeded. */
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    if ($busy.get()) return false;
    $busy.set(true);
    $error.set(undefined);
    try {
      await action();
      return true;
    } catch (error) {
      fail(error);
      return false;
    } finally {
      $busy.set(false);
    }
  }

  function prechatFields(): readonly PrechatField[] {
    return $config.get().prechat ?? DEFAULT_PRECHAT;
  }

  function offlineFields(): readonly PrechatField[] {
    return $config.get().prechat ?? DEFAULT_OFFLINE_FIELDS;
  }

  function prefill(): Record<string, string> {
    const identity = options.identity;
    const values: Record<string, string> = {};
    for (const field of [...prechatFields(), ...offlineFields()]) {
      const known = field.name === 'phone' ? identity?.phone : identity?.[field.name as 'name' | 'email'];
      if (known) values[field.name] = known;
    }
    return values;
  }

  function validateFields(
    fields: readonly PrechatField[],
    values: Readonly<Record<string, string>>,
  ): { errors: Record<string, WidgetError>; clean: Record<string, string> } {
    const errors: Record<string, WidgetError> = {};
    const clean: Record<string, string> = {};
    for (const field of fields) {
      const value = (values[field.name] ?? '').trim();
      const max = Math.min(field.maxLength ?? LIMITS.prechatValue, LIMITS.prechatValue);
      const label = { field: field.name };
      if (!value) {
        if (field.required) errors[field.name] = { key: 'errorRequired', params: label };
        continue;
      }
      if (value.length > max) {
        errors[field.name] = { key: 'errorTooLong', params: { ...label, count: value.length, max } };
      } else if (field.type === 'email' && !EMAIL.test(value)) {
        errors[field.name] = { key: 'errorEmail' };
      } else {
        clean[field.name] = value;
      }
    }
    return { errors, clean };
  }

  function topicRoute(): { topic?: string; queueId?: string } {
    const id = $topic.get();
    const topic = $config.get().topics?.find((candidate) => candidate.id === id);
    return {
      ...(id ? { topic: id } : {}),
      ...(topic?.queueId ? { queueId: topic.queueId } : {}),
    };
  }

  async function startChat(values: Readonly<Record<string, string>>): Promise<boolean> {
    const { errors, clean } = validateFields(prechatFields(), values);
    $fieldErrors.set(errors);
    if (Object.keys(errors).length > 0) return false;
    return run(async () => {
      const cid = await session.startChat({
        ...topicRoute(),
        language: options.language,
        ...(Object.keys(clean).length > 0 ? { prechat: clean } : {}),
      });
      $dismissed.set(undefined);
      $seenSeq.set(0);
      emit({ type: 'chat-start', cid });
    });
  }

  function needsPrechat(): boolean {
    const fields = prechatFields();
    if (fields.length === 0) return false;
    if (!options.identity) return true;
    const known = prefill();
    // An identified visitor only sees the form when a required question is still open.
    return fields.some((field) => field.required && !known[field.name]);
  }

  async function beginChat(): Promise<void> {
    $error.set(undefined);
    if (needsPrechat()) $route.set('prechat');
    else await startChat(prefill());
  }

  // Unread count and read receipts follow what the visitor can see.
  const stopSeen = computed([session.$messages, $visible], (messages, visible) => ({
    messages,
    visible,
  })).subscribe(({ messages, visible }) => {
    if (!visible || !$current.get()) return;
    const last = messages.reduce((max, m) => Math.max(max, m.seq ?? 0), 0);
    if (last > $seenSeq.get()) {
      $seenSeq.set(last);
      session.markRead().catch(() => undefined);
    }
  });

  // New agent messages are announced to the host page once each, history excluded.
  let announcedSeq = Number.POSITIVE_INFINITY;
  let announcedCid: string | undefined;
  const stopAnnounce = session.$messages.subscribe((messages) => {
    const cid = session.$conversation.get()?.cid;
    if (cid !== announcedCid) {
      announcedCid = cid;
      announcedSeq = messages.reduce((max, m) => Math.max(max, m.seq ?? 0), 0);
      return;
    }
    for (const message of messages) {
      if (message.seq !== undefined && message.seq > announcedSeq && message.from.role !== 'visitor') {
        emit({ type: 'message', message });
      }
    }
    announcedSeq = messages.reduce((max, m) => Math.max(max, m.seq ?? 0), announcedSeq);
  });

  let last: WireInteraction | undefined;
  const stopEnd = session.$interaction.subscribe((interaction) => {
    if (interaction && isFinished(interaction) && last !== undefined && !isFinished(last)) {
      emit({ type: 'chat-end', cid: interaction.id });
    }
    last = interaction;
  });

  const typing = createTypingReporter((active) => session.setTyping(active));

  function navigate(view: WidgetView): void {
    $error.set(undefined);
    $fieldErrors.set({});
    $route.set(view);
  }

  return {
    session,
    $config,
    $view,
    $current,
    $topic,
    $closed,
    $error,
    $fieldErrors,
    $busy,
    $unread,
    $callbackCancelled,
    prechatFields,
    offlineFields,
    prefill,
    setConfig(config) {
      $config.set(config);
    },
    navigate,
    clearError() {
      $error.set(undefined);
    },
    async chooseTopic(topicId) {
      $topic.set(topicId);
      await beginChat();
    },
    beginChat,
    startChat,
    send(text) {
      const trimmed = text.trim();
      if (!trimmed) {
        $error.set({ key: 'errorEmptyMessage' });
        return false;
      }
      if (text.length > LIMITS.text) {
        $error.set({ key: 'errorMessageTooLong', params: { count: text.length, max: LIMITS.text } });
        return false;
      }
      $error.set(undefined);
      typing.stop();
      session.sendMessage(text).catch(fail);
      return true;
    },
    typing(active) {
      if (active && $current.get()) typing.keystroke();
      else typing.stop();
    },
    async endChat() {
      await run(() => session.endChat());
    },
    perform: run,
    async requestCallback(phone, slot) {
      const errors: Record<string, WidgetError> = {};
      if (!phone) errors.phone = { key: 'errorPhone' };
      if (slot === undefined) errors.slot = { key: 'errorSlot' };
      $fieldErrors.set(errors);
      if (!phone || slot === undefined) return false;
      $callbackCancelled.set(false);
      return run(async () => {
        const cid = await session.requestCallback({ ...topicRoute(), phone, timeZone, slot });
        $dismissed.set(undefined);
        emit({ type: 'callback', cid, phone, slot });
      });
    },
    async cancelCallback() {
      const cid = $current.get()?.id;
      if (cid && (await run(() => session.cancelCallback(cid)))) $callbackCancelled.set(true);
    },
    async leaveOfflineMessage(values, text) {
      const { errors, clean } = validateFields(offlineFields(), values);
      const message = text.trim();
      if (!message) errors.message = { key: 'errorRequired', params: { field: 'message' } };
      else if (text.length > LIMITS.text) {
        errors.message = {
          key: 'errorTooLong',
          params: { field: 'message', count: text.length, max: LIMITS.text },
        };
      }
      $fieldErrors.set(errors);
      if (Object.keys(errors).length > 0) return false;
      return run(async () => {
        await session.leaveOfflineMessage({
          ...topicRoute(),
          ...(Object.keys(clean).length > 0 ? { prechat: clean } : {}),
          text: message,
        });
        $dismissed.set(undefined);
      });
    },
    newConversation() {
      $dismissed.set($current.get()?.id);
      $callbackCancelled.set(false);
      $topic.set(undefined);
      navigate('home');
    },
    setVisible(visible) {
      $visible.set(visible);
    },
    async restore() {
      try {
        await session.restore();
      } catch (error) {
        fail(error);
      }
    },
    fail,
    dispose() {
      typing.dispose();
      stopSeen();
      stopAnnounce();
      stopEnd();
    },
  };
}
