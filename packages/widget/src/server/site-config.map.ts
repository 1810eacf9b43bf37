import type { AttachmentPolicy, SiteVoiceConfig } from '@helpline/core';
import type { CallbackSlot, LocalizedText, PrechatField, SiteConfig, Topic } from '../config/site-config';

/** A queue as `GET /v1/sites/:site/config` describes it. */
export interface ServerQueue {
  readonly id: string;
  readonly name?: string | undefined;
  readonly open: boolean;
  /** What a closed queue offers instead: `callback`, `offline-message` or `none`. */
  readonly alternative?: string | undefined;
  readonly nextOpening?: number | undefined;
  readonly callbackSlots?: readonly { readonly start: number; readonly end: number }[] | undefined;
  /** Callers may leave a recorded message when the queue is closed or nobody answers in time. */
  readonly voicemail?: { readonly afterSeconds: number; readonly maxSeconds: number } | undefined;
}

/** Which voice engine the site uses (core's `SiteVoiceConfig`). */
export type ServerVoiceConfig = SiteVoiceConfig;

/** The body of `GET /v1/sites/:site/config` (the fields the widget reads). */
export interface ServerSiteConfig {
  readonly site: string;
  readonly name?: string | undefined;
  readonly languages?: readonly string[] | undefined;
  readonly csat?: boolean | undefined;
  readonly prechat?: readonly PrechatField[] | undefined;
  /** Topic labels and pre-chat labels as configured: one text, or texts per language tag (the panel picks). */
  readonly topics?: readonly {
    readonly id: string;
    readonly label: LocalizedText;
    readonly queueId: string;
  }[];
  readonly queues?: readonly ServerQueue[] | undefined;
  readonly voice?: ServerVoiceConfig | undefined;
  /** What the site accepts as attachments (checked before an upload; the server checks again). */
  readonly attachments?: AttachmentPolicy | undefined;
  /** Whether the server sends mail: the chat then offers "Get replies by email". */
  readonly email?: boolean | undefined;
  readonly at?: number | undefined;
}

/**
 * Maps the server's site configuration onto the widget's {@link SiteConfig}: topics and the pre-chat form as
 * they are, `open` when some queue is open now, the channels the queues offer, and the callback slots of the
 * chosen queue (`queueId`, else the first topic's queue, else the first queue offering callbacks).
 *
 * @example
 * ```ts
 * const config = toSiteConfig(await (await fetch(`${server}/v1/sites/shop/config?tz=Europe/Amsterdam`)).json());
 * ```
 */
export function toSiteConfig(server: ServerSiteConfig, queueId?: string): SiteConfig {
  const queues = server.queues ?? [];
  const topics: Topic[] = (server.topics ?? []).map(({ id, label, queueId: queue }) => ({
    id,
    label,
    queueId: queue,
  }));
  const chosenId = queueId ?? topics[0]?.queueId;
  const chosen =
    queues.find((queue) => queue.id === chosenId) ??
    queues.find((queue) => (queue.callbackSlots?.length ?? 0) > 0) ??
    queues[0];
  const open = queues.length === 0 ? undefined : queues.some((queue) => queue.open);
  const callbackSlots: CallbackSlot[] = (chosen?.callbackSlots ?? []).map(({ start, end }) => ({
    start,
    end,
  }));
  const offersCallback = queues.some((queue) => queue.open || queue.alternative === 'callback');
  const offersOffline =
    queues.length === 0 || queues.some((queue) => queue.open || queue.alternative !== 'none');
  return {
    ...(topics.length > 0 ? { topics } : {}),
    ...(server.prechat && server.prechat.length > 0 ? { prechat: server.prechat } : {}),
    ...(open === undefined ? {} : { open }),
    channels: {
      chat: true,
      callback: offersCallback,
      voice: server.voice !== undefined,
      offlineMessage: offersOffline,
    },
    ...(callbackSlots.length > 0 ? { callbackSlots } : {}),
    ...(chosen?.voicemail ? { voicemail: { queueId: chosen.id, ...chosen.voicemail } } : {}),
  };
}
