import type { MessagingChannel } from '../interaction/interaction.types';
import { MESSAGING_CHANNELS } from '../interaction/interaction.types';
import { type CsvCell, toCsv } from './kpis';
import type { KpiLogEvent } from './metrics.types';

/**
 * The KPIs of one messaging channel over a window. An **episode** is a conversation from its first message, or from
 * a reopening, to its resolution: each is timed on its own, so a case reopened a week later does not count the week.
 * Durations are seconds; `undefined` where there is nothing to divide by.
 */
export interface MessagingKpis {
  /** Episodes that started in the window. */
  readonly episodes: number;
  /** Of those, how many had an agent's reply. */
  readonly responded: number;
  /** Mean time from an episode's start to the first agent reply. */
  readonly firstResponseSeconds: number | undefined;
  /** Episodes of the window that were resolved. */
  readonly resolved: number;
  /** Mean time from an episode's start to its resolution. */
  readonly resolutionSeconds: number | undefined;
  /** Agent replies per resolved episode. */
  readonly repliesPerResolution: number | undefined;
}

interface Episode {
  readonly channel: MessagingChannel;
  readonly startedAt: number;
  /** The queue it was in last: a transfer during the episode moves it (the queue that resolved it counts it). */
  queueId: string | undefined;
  firstReplyAt?: number;
  replies: number;
  resolvedAt?: number;
}

const mean = (sum: number, count: number) => (count === 0 ? undefined : sum / count);

/** The window (and optionally the queue) of {@link computeMessagingKpis}. */
export interface MessagingKpiWindow {
  /** Episodes that started in `[from, to)`. */
  readonly from: number;
  readonly to: number;
  /** Only episodes of this queue (the queue they were last in). */
  readonly queueId?: string | undefined;
}

/**
 * First response time, resolution time and replies per resolution for each messaging channel, from the interaction
 * event log (`created`, `queued`, `replied`, `resolved`, `reopened`), for episodes that started in `[from, to)` —
 * of one queue when `queueId` is given.
 *
 * @example
 * ```ts
 * computeMessagingKpis(log, { from: startOfDay, to: now }).email.firstResponseSeconds;
 * computeMessagingKpis(log, { from: startOfDay, to: now, queueId: 'billing' }).sms.repliesPerResolution;
 * ```
 */
export function computeMessagingKpis(
  events: readonly KpiLogEvent[],
  window: MessagingKpiWindow,
): Readonly<Record<MessagingChannel, MessagingKpis>> {
  const channelOf = new Map<string, MessagingChannel>();
  const queueOf = new Map<string, string | undefined>();
  const open = new Map<string, Episode>();
  const episodes: Episode[] = [];
  const start = (interactionId: string, channel: MessagingChannel, at: number) => {
    const episode: Episode = { channel, startedAt: at, replies: 0, queueId: queueOf.get(interactionId) };
    open.set(interactionId, episode);
    episodes.push(episode);
  };
  for (const event of [...events].sort((a, b) => a.at - b.at)) {
    if (event.type === 'presence') continue;
    if (event.type === 'created') {
      if ((MESSAGING_CHANNELS as readonly string[]).includes(event.channel)) {
        channelOf.set(event.interactionId, event.channel as MessagingChannel);
        queueOf.set(event.interactionId, event.queueId);
        start(event.interactionId, event.channel as MessagingChannel, event.at);
      }
      continue;
    }
    const channel = channelOf.get(event.interactionId);
    if (channel === undefined) continue;
    const episode = open.get(event.interactionId);
    if (event.type === 'queued') {
      queueOf.set(event.interactionId, event.queueId);
      // A transfer moves the episode under way; a resolved one stays with the queue that resolved it.
      if (episode && episode.resolvedAt === undefined) episode.queueId = event.queueId;
    } else if (event.type === 'reopened') start(event.interactionId, channel, event.at);
    else if (event.type === 'replied' && episode) {
      episode.firstReplyAt ??= event.at;
      episode.replies += 1;
    } else if (event.type === 'resolved' && episode && episode.resolvedAt === undefined) {
      episode.resolvedAt = event.at;
    }
  }
  const report = (channel: MessagingChannel): MessagingKpis => {
    const inWindow = episodes.filter(
      (e) =>
        e.channel === channel &&
        e.startedAt >= window.from &&
        e.startedAt < window.to &&
        (window.queueId === undefined || e.queueId === window.queueId),
    );
    const responded = inWindow.filter((e) => e.firstReplyAt !== undefined);
    const resolved = inWindow.filter((e) => e.resolvedAt !== undefined);
    const seconds = (list: Episode[], end: (e: Episode) => number) =>
      mean(
        list.reduce((sum, e) => sum + (end(e) - e.startedAt) / 1000, 0),
        list.length,
      );
    return {
      episodes: inWindow.length,
      responded: responded.length,
      firstResponseSeconds: seconds(responded, (e) => e.firstReplyAt as number),
      resolved: resolved.length,
      resolutionSeconds: seconds(resolved, (e) => e.resolvedAt as number),
      repliesPerResolution: mean(
        resolved.reduce((sum, e) => sum + e.replies, 0),
        resolved.length,
      ),
    };
  };
  return Object.fromEntries(MESSAGING_CHANNELS.map((channel) => [channel, report(channel)])) as Record<
    MessagingChannel,
    MessagingKpis
  >;
}

/** The columns of {@link messagingKpisToCsv}. */
const MESSAGING_CSV_COLUMNS = [
  'scope',
  'channel',
  'episodes',
  'responded',
  'first_response_seconds',
  'resolved',
  'resolution_seconds',
  'replies_per_resolution',
] as const;

/**
 * Messaging KPIs as CSV rows, one per channel and scope: `scope` is `all` or a queue id. Empty figures (no data) are
 * empty cells; durations are seconds.
 *
 * @example
 * ```ts
 * messagingKpisToCsv({ all: board.messaging, ...board.messagingByQueue });
 * ```
 */
export function messagingKpisToCsv(
  byScope: Readonly<Record<string, Readonly<Partial<Record<MessagingChannel, MessagingKpis>>>>>,
): string {
  const rows: CsvCell[][] = [[...MESSAGING_CSV_COLUMNS]];
  for (const [scope, byChannel] of Object.entries(byScope)) {
    for (const channel of MESSAGING_CHANNELS) {
      const kpis = byChannel[channel];
      if (!kpis) continue;
      rows.push([
        scope,
        channel,
        kpis.episodes,
        kpis.responded,
        kpis.firstResponseSeconds,
        kpis.resolved,
        kpis.resolutionSeconds,
        kpis.repliesPerResolution,
      ]);
    }
  }
  return toCsv(rows);
}
