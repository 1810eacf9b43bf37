import { type Agent, type AwayReason, hasCapacity, type PresenceStatus } from '../agent/agent.types';
import { CHANNELS, type Channel, type SkillRequirement } from '../interaction/interaction.types';
import { estimatedWait } from '../metrics/erlang-c';
import { type HelplineError, helplineError } from '../protocol/errors';
import type { Queue } from '../queue/queue.types';
import { Heap } from './heap';
import type {
  QueuePosition,
  RoutedAgent,
  Router,
  RouterOptions,
  RoutingEvent,
  RoutingItem,
  RoutingOffer,
} from './routing.types';

/*
 * How it stays fast (docs/routing.md, "Performance"):
 *
 * 1. Waiting interactions of a queue are split into *groups* of one routing signature (channel, language,
 *    extra skills, overflowed or not). Every item of a group needs exactly the same agents, so one check per
 *    group and agent stands for the whole group. Each agent carries its skill score per queue, so that check is
 *    a language lookup plus the group's extra skills (usually none).
 * 2. Each queue keeps, per channel, the set of its agents that can take that channel now (available, capacity
 *    left), updated when load or presence changes.
 * 3. Dirty tracking. When `route()` returns, no waiting interaction has an eligible agent with capacity
 *    (otherwise it would have been offered). That stays true until an agent gains capacity on a channel or
 *    becomes available (the agent turns dirty for those channels), or an interaction enters or changes group
 *    (the group turns dirty). So `route()` looks only at dirty groups (against the free agents of their
 *    queue) and at what dirty agents could take (against those agents only).
 * 4. A heap ordered by head interaction yields groups in global service order. A dirty agent adds, per queue,
 *    only its earliest group plus a placeholder keyed by its runner-up, expanded only if the agent still has
 *    capacity when the placeholder reaches the top: one scan per queue in the usual one-slot-freed case.
 */

type MutableLoad = Record<Channel, number>;
/** One entry per channel, indexed by {@link CHANNEL_INDEX}. */
type PerChannel<T> = T[];

/** Each channel's bit in an agent's mask and its index in {@link PerChannel} arrays, in the order of CHANNELS. */
const CHANNEL_INDEX = Object.fromEntries(CHANNELS.map((channel, index) => [channel, index])) as Readonly<
  Record<Channel, number>
>;
const ALL_CHANNELS = (1 << CHANNELS.length) - 1;
const perChannel = <T>(make: () => T): PerChannel<T> => CHANNELS.map(make);
const zeroLoad = (): MutableLoad =>
  Object.fromEntries(CHANNELS.map((channel) => [channel, 0])) as MutableLoad;

/** Channels whose capacity may have grown when one interaction of `channel` is let go. */
function freedChannels(channel: Channel): number {
  const bit = 1 << CHANNEL_INDEX[channel];
  // A call ending can unblock chats (voiceBlocksChat).
  return channel === 'voice' ? bit | (1 << CHANNEL_INDEX.chat) : bit;
}

/** A skill requirement with the skill interned to an index. */
interface Requirement {
  readonly index: number;
  readonly minLevel: number;
}

/** An extra skill of a group on top of its queue's; `scored` when the queue does not already count it. */
interface ExtraRequirement extends Requirement {
  readonly scored: boolean;
}

interface QueueState {
  queue: Queue;
  readonly index: number;
  /** Service order: priority desc, waitingSince asc, id asc. */
  readonly waiting: ItemState[];
  readonly groups: Map<string, Group>;
  /** Non-empty groups per channel index. */
  readonly nonEmpty: PerChannel<Set<Group>>;
  /** Agents that work this queue (any presence). */
  readonly workers: Set<AgentState>;
  /** Workers that are available with capacity left, per channel index. */
  readonly free: PerChannel<Set<AgentState>>;
  /** Queues whose overflow policy points here. */
  readonly overflowSources: Set<QueueState>;
  base: Requirement[];
  readonly handleTimes: number[];
  handleTimeNext: number;
  handleTimeSum: number;
  staffingVersion: number;
  servers: MutableLoad;
}

interface Group {
  readonly isStream: false;
  readonly key: string;
  readonly queue: QueueState;
  readonly channel: Channel;
  readonly channelIndex: number;
  readonly channelBit: number;
  /** Primary language subtag, lower case. */
  readonly language: string | undefined;
  readonly items: ItemState[];
  readonly overflowed: boolean;
  /** Not overflowed: what the item needs beyond its queue's skills. */
  readonly extras: readonly ExtraRequirement[];
  /** Overflowed: what an agent of the own queue must meet (widened)… */
  readonly requirements: readonly Requirement[];
  /** …and the overflow queue, with what its agents must meet. */
  readonly overflowQueue: QueueState | undefined;
  readonly overflowRequirements: readonly Requirement[];
  dirty: boolean;
  stamp: number;
}

/**
 * During one `route()`, the not-yet-considered groups of one queue and channel that one dirty agent could take,
 * represented in the candidate heap by the earliest head among them (see `route`).
 */
interface Stream {
  readonly isStream: true;
  readonly agent: AgentState;
  readonly queue: QueueState;
  readonly channelIndex: number;
  readonly head: ItemState;
}

interface ItemState {
  item: RoutingItem;
  status: 'waiting' | 'offered' | 'assigned';
  queue: QueueState | undefined;
  channel: Channel;
  /** Channel, language and extra skills, without the overflow flag. */
  signature: string;
  language: string | undefined;
  group: Group | undefined;
  overflowed: boolean;
  overflowEpoch: number;
  /** Agents that rejected or missed this interaction: tried last. */
  passedBy: Set<string> | undefined;
  offer: RoutingOffer | undefined;
  agent: AgentState | undefined;
}

interface AgentState {
  agent: Agent;
  readonly id: string;
  presence: PresenceStatus;
  awayReason: AwayReason | undefined;
  readonly load: MutableLoad;
  readonly held: Set<string>;
  lastIdleStart: number;
  consecutiveMisses: number;
  worksAll: boolean;
  queueIds: Set<string>;
  languages: Set<string>;
  /** Skill levels by interned skill index. */
  levels: number[];
  /** Per queue index: the skill score when the agent works the queue and meets its skills, else -1. */
  baseScores: number[];
  /** The queues this agent works. */
  queues: QueueState[];
  /** Bit per channel the agent can take now (available, capacity left). */
  freeMask: number;
  /** Bit per channel whose capacity grew (or all, when availability or profile changed) since the last route. */
  dirtyChannels: number;
}

interface TimedEntry {
  readonly at: number;
  readonly id: string;
}
interface OfferEntry extends TimedEntry {
  readonly offer: RoutingOffer;
}
interface OverflowEntry extends TimedEntry {
  readonly epoch: number;
}

const DEFAULT_MAX_MISSES = 3;
const DEFAULT_HANDLE_TIME_WINDOW = 50;

function primaryLanguage(tag: string): string {
  const dash = tag.indexOf('-');
  return (dash === -1 ? tag : tag.slice(0, dash)).toLowerCase();
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Order inside one queue: priority (desc), then longest waiting, then id. */
function inQueueOrder(a: ItemState, b: ItemState): number {
  return (
    b.item.priority - a.item.priority ||
    a.item.waitingSince - b.item.waitingSince ||
    compareIds(a.item.id, b.item.id)
  );
}

/** Global service order: interaction priority, queue priority, longest waiting, id. */
function globalBefore(a: ItemState, b: ItemState): boolean {
  const byPriority = b.item.priority - a.item.priority;
  if (byPriority !== 0) return byPriority < 0;
  const byQueue = (b.queue?.queue.priority ?? 0) - (a.queue?.queue.priority ?? 0);
  if (byQueue !== 0) return byQueue < 0;
  const byWait = a.item.waitingSince - b.item.waitingSince;
  if (byWait !== 0) return byWait < 0;
  return a.item.id < b.item.id;
}

/** The first index of `list` (kept in queue order) whose entry does not come before `entry`. */
function lowerBound(list: readonly ItemState[], entry: ItemState): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (inQueueOrder(list[mid] as ItemState, entry) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function sortedInsert(list: ItemState[], entry: ItemState): void {
  list.splice(lowerBound(list, entry), 0, entry);
}

function sortedRemove(list: ItemState[], entry: ItemState): void {
  if (list[0] === entry) {
    list.shift();
    return;
  }
  const index = lowerBound(list, entry);
  if (list[index] === entry) list.splice(index, 1);
}

/** Merges skill lists by name, keeping the highest minimum level, then lowers levels to `widenTo` if given. */
function mergeRequirements(
  lists: readonly (readonly SkillRequirement[])[],
  widenTo: number | undefined,
): SkillRequirement[] {
  const levels = new Map<string, number>();
  for (const list of lists) {
    for (const { skill, minLevel } of list) levels.set(skill, Math.max(levels.get(skill) ?? 0, minLevel));
  }
  return [...levels]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([skill, minLevel]) => ({
      skill,
      minLevel: widenTo === undefined ? minLevel : Math.min(minLevel, widenTo),
    }));
}

function validateItem(item: RoutingItem): void {
  const bad = (field: string, detail: string) =>
    helplineError('validation/field', { scope: 'routing', field, detail }, { field });
  if (typeof item.id !== 'string' || item.id === '') throw bad('id', 'must be a non-empty string');
  if (!CHANNELS.includes(item.channel)) throw bad('channel', `"${String(item.channel)}" is not a channel`);
  if (!Number.isFinite(item.priority)) throw bad('priority', 'must be a finite number');
  if (!Number.isFinite(item.waitingSince)) throw bad('waitingSince', 'must be epoch milliseconds');
}

/**
 * Creates the skills-based ACD. Pure and deterministic: the same calls with the same clock give the same offers.
 *
 * - Service order: interaction priority (desc), queue priority (desc), longest waiting, id.
 * - Agent choice: eligible agents only (available, works the queue, every required skill at its level, speaks
 *   the item's language by primary subtag, channel capacity left); then highest skill score (sum of the
 *   agent's levels over the required skills), then idle before busy, longest idle, fewest held, id.
 *   Agents that rejected or missed the interaction are tried last.
 * - Offers expire after the queue's `offerTimeoutSeconds`; `tick()` turns them into `missed`, re-queues the
 *   interaction at its original place and sets the agent away (`missed-offers`) after `maxConsecutiveMisses`.
 * - New agents start `offline`; call `setPresence(id, 'available')`.
 *
 * @example
 * ```ts
 * const router = createRouter({ queues: [support], now: () => clock.now() });
 * router.upsertAgent(ada);
 * router.setPresence('ada', 'available');
 * router.enqueue({ id: 'chat-1', queueId: 'support', channel: 'chat', priority: 0, requiredSkills: [], waitingSince: clock.now() });
 * for (const event of router.route()) if (event.type === 'offered') notify(event.offer.agentId, event.offer);
 * ```
 */
export function createRouter(options: RouterOptions): Router {
  const now = options.now;
  const maxMisses = Math.max(1, options.maxConsecutiveMisses ?? DEFAULT_MAX_MISSES);
  const handleTimeWindow = Math.max(1, options.handleTimeWindow ?? DEFAULT_HANDLE_TIME_WINDOW);

  const queues = new Map<string, QueueState>();
  const queueList: QueueState[] = [];
  const agents = new Map<string, AgentState>();
  const items = new Map<string, ItemState>();
  const skillIndex = new Map<string, number>();
  const dirtyGroups = new Set<Group>();
  const dirtyAgents = new Set<AgentState>();
  let fullRescan = false;
  let stamp = 0;
  let staffingVersion = 0;

  const timedBefore = (a: TimedEntry, b: TimedEntry) => a.at < b.at || (a.at === b.at && a.id < b.id);
  const offerTimers = new Heap<OfferEntry>(timedBefore);
  const overflowTimers = new Heap<OverflowEntry>(timedBefore);

  /* --- skills --- */

  function indexOfSkill(skill: string): number {
    let index = skillIndex.get(skill);
    if (index === undefined) {
      index = skillIndex.size;
      skillIndex.set(skill, index);
    }
    return index;
  }

  function compile(requirements: readonly SkillRequirement[]): Requirement[] {
    return requirements.map(({ skill, minLevel }) => ({ index: indexOfSkill(skill), minLevel }));
  }

  function meets(agent: AgentState, requirements: readonly Requirement[]): boolean {
    const levels = agent.levels;
    for (let i = 0; i < requirements.length; i++) {
      const requirement = requirements[i] as Requirement;
      if ((levels[requirement.index] ?? 0) < requirement.minLevel) return false;
    }
    return true;
  }

  function skillScore(agent: AgentState, requirements: readonly Requirement[]): number {
    const levels = agent.levels;
    let score = 0;
    for (let i = 0; i < requirements.length; i++)
      score += levels[(requirements[i] as Requirement).index] ?? 0;
    return score;
  }

  /* --- queues --- */

  function queueOrThrow(queueId: string): QueueState {
    const state = queues.get(queueId);
    if (state === undefined) throw helplineError('not-found', { entity: 'Queue', id: queueId });
    return state;
  }

  function worksQueue(agent: AgentState, queue: QueueState): boolean {
    return agent.worksAll || agent.queueIds.has(queue.queue.id);
  }

  function baseScore(agent: AgentState, queue: QueueState): number {
    return worksQueue(agent, queue) && meets(agent, queue.base) ? skillScore(agent, queue.base) : -1;
  }

  function linkOverflowSources(): void {
    for (const state of queueList) state.overflowSources.clear();
    for (const state of queueList) {
      const target = state.queue.overflow?.queueId;
      if (target !== undefined && target !== state.queue.id) queues.get(target)?.overflowSources.add(state);
    }
  }

  function upsertQueue(queue: Queue): void {
    let state = queues.get(queue.id);
    if (state === undefined) {
      state = {
        queue,
        index: queueList.length,
        waiting: [],
        groups: new Map(),
        nonEmpty: perChannel(() => new Set()),
        workers: new Set(),
        free: perChannel(() => new Set()),
        overflowSources: new Set(),
        base: compile(mergeRequirements([queue.skills], undefined)),
        handleTimes: [],
        handleTimeNext: 0,
        handleTimeSum: 0,
        staffingVersion: -1,
        servers: zeroLoad(),
      };
      queues.set(queue.id, state);
      queueList.push(state);
    } else {
      const overflowChanged = JSON.stringify(state.queue.overflow) !== JSON.stringify(queue.overflow);
      state.queue = queue;
      state.base = compile(mergeRequirements([queue.skills], undefined));
      if (overflowChanged) {
        for (const entry of items.values()) {
          if (entry.queue !== state || entry.overflowed || entry.status === 'assigned') continue;
          entry.overflowEpoch++;
          scheduleOverflow(entry);
        }
      }
    }
    for (const agent of agents.values()) {
      agent.baseScores[state.index] = baseScore(agent, state);
      if (!worksQueue(agent, state) || state.workers.has(agent)) continue;
      state.workers.add(agent);
      agent.queues.push(state);
      for (let index = 0; index < CHANNELS.length; index++)
        if (agent.freeMask & (1 << index)) state.free[index]?.add(agent);
    }
    linkOverflowSources();
    // Skills or overflow targets may have changed what groups require: rebuild them all.
    dirtyGroups.clear();
    for (const queueState of queueList) {
      queueState.groups.clear();
      for (const set of queueState.nonEmpty) set.clear();
      for (const entry of queueState.waiting) {
        const group = groupFor(entry);
        group.items.push(entry);
        entry.group = group;
        queueState.nonEmpty[group.channelIndex]?.add(group);
        dirtyGroups.add(group);
      }
    }
    fullRescan = true;
    staffingVersion++;
  }

  /* --- groups --- */

  /** The agent's skill score for a group, or -1 when skills, language or queues rule the agent out. */
  function staticScore(agent: AgentState, group: Group): number {
    if (group.language !== undefined && !agent.languages.has(group.language)) return -1;
    if (!group.overflowed) {
      let score = agent.baseScores[group.queue.index] ?? -1;
      if (score < 0) return -1;
      const extras = group.extras;
      for (let i = 0; i < extras.length; i++) {
        const extra = extras[i] as ExtraRequirement;
        const level = agent.levels[extra.index] ?? 0;
        if (level < extra.minLevel) return -1;
        if (extra.scored) score += level;
      }
      return score;
    }
    let best = -1;
    if (worksQueue(agent, group.queue) && meets(agent, group.requirements)) {
      best = skillScore(agent, group.requirements);
    }
    const other = group.overflowQueue;
    if (other !== undefined && worksQueue(agent, other) && meets(agent, group.overflowRequirements)) {
      best = Math.max(best, skillScore(agent, group.overflowRequirements));
    }
    return best;
  }

  function groupFor(entry: ItemState): Group {
    const queue = entry.queue as QueueState;
    const key = entry.overflowed ? `${entry.signature}|overflow` : entry.signature;
    const existing = queue.groups.get(key);
    if (existing !== undefined) return existing;
    const policy = entry.overflowed ? queue.queue.overflow : undefined;
    const widenTo = policy?.widenToMinLevel;
    const overflowQueue =
      policy?.queueId !== undefined && policy.queueId !== queue.queue.id
        ? queues.get(policy.queueId)
        : undefined;
    const queueLevels = new Map(queue.queue.skills.map((r) => [r.skill, r.minLevel]));
    const extras: ExtraRequirement[] = [];
    for (const { skill, minLevel } of mergeRequirements([entry.item.requiredSkills], undefined)) {
      const queueLevel = queueLevels.get(skill);
      // Meeting the queue's level already covers an extra requirement at or below it.
      if (queueLevel === undefined || minLevel > queueLevel) {
        extras.push({ index: indexOfSkill(skill), minLevel, scored: queueLevel === undefined });
      }
    }
    const group: Group = {
      isStream: false,
      key,
      queue,
      channel: entry.channel,
      channelIndex: CHANNEL_INDEX[entry.channel],
      channelBit: 1 << CHANNEL_INDEX[entry.channel],
      language: entry.language,
      items: [],
      overflowed: entry.overflowed,
      extras,
      requirements: compile(mergeRequirements([queue.queue.skills, entry.item.requiredSkills], widenTo)),
      overflowQueue,
      overflowRequirements:
        overflowQueue === undefined
          ? []
          : compile(mergeRequirements([overflowQueue.queue.skills, entry.item.requiredSkills], widenTo)),
      dirty: true,
      stamp: 0,
    };
    queue.groups.set(key, group);
    return group;
  }

  function placeWaiting(entry: ItemState): void {
    const queue = entry.queue as QueueState;
    entry.status = 'waiting';
    sortedInsert(queue.waiting, entry);
    const group = groupFor(entry);
    if (group.items.length === 0) queue.nonEmpty[group.channelIndex]?.add(group);
    sortedInsert(group.items, entry);
    entry.group = group;
    group.dirty = true;
    dirtyGroups.add(group);
  }

  function takeWaiting(entry: ItemState): void {
    const group = entry.group;
    if (group !== undefined) {
      sortedRemove(group.items, entry);
      if (group.items.length === 0) {
        // Groups are cheap to make again: drop empty ones so odd signatures do not pile up.
        group.queue.groups.delete(group.key);
        group.queue.nonEmpty[group.channelIndex]?.delete(group);
        dirtyGroups.delete(group);
      }
    }
    if (entry.queue !== undefined) sortedRemove(entry.queue.waiting, entry);
    entry.group = undefined;
  }

  function scheduleOverflow(entry: ItemState): void {
    const policy = entry.queue?.queue.overflow;
    if (policy === undefined) return;
    overflowTimers.push({
      at: entry.item.waitingSince + policy.afterSeconds * 1000,
      id: entry.item.id,
      epoch: entry.overflowEpoch,
    });
  }

  /* --- agents --- */

  function markDirty(agent: AgentState, channels: number): void {
    agent.dirtyChannels |= channels;
    dirtyAgents.add(agent);
  }

  /** Keeps the per-queue free sets in step with the agent's presence and load. */
  function refreshFree(agent: AgentState): void {
    let mask = 0;
    if (agent.presence === 'available') {
      const capacity = agent.agent.capacity;
      for (let index = 0; index < CHANNELS.length; index++) {
        if (hasCapacity(capacity, agent.load, CHANNELS[index] as Channel)) mask |= 1 << index;
      }
    }
    const changed = mask ^ agent.freeMask;
    if (changed === 0) return;
    agent.freeMask = mask;
    for (let index = 0; index < CHANNELS.length; index++) {
      const bit = 1 << index;
      if ((changed & bit) === 0) continue;
      for (const queue of agent.queues) {
        const set = queue.free[index] as Set<AgentState>;
        if (mask & bit) set.add(agent);
        else set.delete(agent);
      }
    }
  }

  function detach(agent: AgentState): void {
    for (const queue of agent.queues) {
      queue.workers.delete(agent);
      for (const set of queue.free) set.delete(agent);
    }
    agent.queues = [];
    agent.freeMask = 0;
  }

  function agentOrThrow(agentId: string): AgentState {
    const agent = agents.get(agentId);
    if (agent === undefined) throw helplineError('not-found', { entity: 'Agent', id: agentId });
    return agent;
  }

  function upsertAgent(agent: Agent): void {
    let state = agents.get(agent.id);
    if (state === undefined) {
      state = {
        agent,
        id: agent.id,
        presence: 'offline',
        awayReason: undefined,
        load: zeroLoad(),
        held: new Set(),
        lastIdleStart: now(),
        consecutiveMisses: 0,
        worksAll: true,
        queueIds: new Set(),
        languages: new Set(),
        levels: [],
        baseScores: [],
        queues: [],
        freeMask: 0,
        dirtyChannels: 0,
      };
      agents.set(agent.id, state);
    } else {
      detach(state);
    }
    state.agent = agent;
    state.worksAll = agent.queueIds.length === 0;
    state.queueIds = new Set(agent.queueIds);
    state.languages = new Set(agent.languages.map(primaryLanguage));
    const levels: number[] = [];
    for (const [skill, level] of Object.entries(agent.skills)) levels[indexOfSkill(skill)] = level;
    for (let i = 0; i < skillIndex.size; i++) levels[i] ??= 0;
    state.levels = levels;
    const agentState = state;
    state.baseScores = queueList.map((queue) => baseScore(agentState, queue));
    state.queues = queueList.filter((queue) => worksQueue(agentState, queue));
    for (const queue of state.queues) queue.workers.add(state);
    refreshFree(state);
    markDirty(state, ALL_CHANNELS);
    staffingVersion++;
  }

  /** Takes an offer back from its agent (capacity freed, the agent reconsidered). */
  function withdrawOffer(entry: ItemState): AgentState | undefined {
    const agent = entry.agent;
    if (agent !== undefined) {
      agent.load[entry.channel]--;
      agent.held.delete(entry.item.id);
      markDirty(agent, freedChannels(entry.channel));
      refreshFree(agent);
    }
    entry.offer = undefined;
    entry.agent = undefined;
    return agent;
  }

  function requeue(entry: ItemState, events: RoutingEvent[]): void {
    placeWaiting(entry);
    events.push({ type: 'requeued', interactionId: entry.item.id, queueId: entry.item.queueId });
  }

  function withdrawAllOffers(agent: AgentState, events: RoutingEvent[]): void {
    for (const id of [...agent.held]) {
      const entry = items.get(id);
      if (entry?.status !== 'offered' || entry.queue === undefined) continue;
      withdrawOffer(entry);
      requeue(entry, events);
    }
  }

  function setPresence(agentId: string, presence: PresenceStatus, reason?: AwayReason): RoutingEvent[] {
    const agent = agentOrThrow(agentId);
    const events: RoutingEvent[] = [];
    const was = agent.presence;
    agent.presence = presence;
    agent.awayReason = presence === 'away' ? reason : undefined;
    if (presence === 'available') {
      if (was !== 'available') {
        agent.lastIdleStart = now();
        agent.consecutiveMisses = 0;
      }
      markDirty(agent, ALL_CHANNELS);
    } else {
      withdrawAllOffers(agent, events);
    }
    refreshFree(agent);
    staffingVersion++;
    return events;
  }

  function removeAgent(agentId: string): RoutingEvent[] {
    const agent = agents.get(agentId);
    if (agent === undefined) return [];
    const events: RoutingEvent[] = [];
    agent.presence = 'offline';
    withdrawAllOffers(agent, events);
    // Work the agent had accepted leaves the router with them: the caller decides what happens to it.
    for (const id of agent.held) items.delete(id);
    detach(agent);
    dirtyAgents.delete(agent);
    agents.delete(agentId);
    staffingVersion++;
    return events;
  }

  /* --- interactions --- */

  /** A new entry for `item`, which the router must not hold yet (`operation` names the refused call). */
  function admit(item: RoutingItem, operation: string): ItemState {
    validateItem(item);
    if (items.has(item.id)) {
      throw helplineError('conflict/state', {
        operation,
        entity: `interaction ${item.id}`,
        state: items.get(item.id)?.status ?? 'known',
      });
    }
    return newEntry(item, queueOrThrow(item.queueId));
  }

  function enqueue(item: RoutingItem): RoutingEvent[] {
    const entry = admit(item, 'enqueue');
    items.set(item.id, entry);
    placeWaiting(entry);
    scheduleOverflow(entry);
    return [];
  }

  /** Why `agent` may not hold `item`, presence aside: they do not serve its queue, or have no room for it. */
  function refusalToHold(
    agent: AgentState,
    item: RoutingItem,
    where: { readonly scope: string; readonly field: string },
  ): HelplineError | undefined {
    const queue = queueOrThrow(item.queueId);
    if (!worksQueue(agent, queue) || baseScore(agent, queue) < 0) {
      const detail = `${agent.id} does not serve queue ${item.queueId}`;
      return helplineError('validation/field', { ...where, detail }, { field: where.field });
    }
    if (!hasCapacity(agent.agent.capacity, agent.load, item.channel)) {
      return helplineError('agent/capacity', { agent: agent.id, channel: item.channel });
    }
    return undefined;
  }

  function refusalOfOfferTo(item: RoutingItem, agentId: string): HelplineError | undefined {
    const agent = agents.get(agentId);
    if (agent === undefined || agent.presence !== 'available')
      return helplineError('agent/unavailable', { agent: agentId });
    return refusalToHold(agent, item, { scope: 'transfer', field: 'toAgentId' });
  }

  function restoreOffer(
    item: RoutingItem,
    { agentId, offeredAt, expiresAt }: Pick<RoutingOffer, 'agentId' | 'offeredAt' | 'expiresAt'>,
  ): RoutingOffer {
    const entry = admit(item, 'restore an offer');
    const agent = agentOrThrow(agentId);
    const refusal = refusalToHold(agent, item, { scope: 'routing', field: 'agentId' });
    if (refusal) throw refusal;
    items.set(item.id, entry);
    const restored: RoutingOffer = {
      interactionId: item.id,
      agentId,
      queueId: item.queueId,
      channel: entry.channel,
      offeredAt,
      expiresAt,
    };
    hold(entry, agent, restored);
    // It may still overflow (an overflowed offer widens who may take it when it goes back in line).
    scheduleOverflow(entry);
    return restored;
  }

  function offerTo(item: RoutingItem, agentId: string): RoutingEvent[] {
    const refusal = refusalOfOfferTo(item, agentId);
    if (refusal) throw refusal;
    enqueue(item);
    const events: RoutingEvent[] = [];
    offer(items.get(item.id) as ItemState, agents.get(agentId) as AgentState, now(), events);
    return events;
  }

  function newEntry(item: RoutingItem, queue: QueueState | undefined): ItemState {
    const language =
      item.language === undefined || item.language === '' ? undefined : primaryLanguage(item.language);
    let extra = '';
    if (item.requiredSkills.length > 0) {
      extra = [...item.requiredSkills]
        .sort((a, b) => compareIds(a.skill, b.skill) || a.minLevel - b.minLevel)
        .map((r) => `${r.skill}:${r.minLevel}`)
        .join(',');
    }
    return {
      item,
      status: 'waiting',
      queue,
      channel: item.channel,
      signature: `${item.channel}|${language ?? ''}|${extra}`,
      language,
      group: undefined,
      overflowed: false,
      overflowEpoch: 0,
      passedBy: item.passedOver && item.passedOver.length > 0 ? new Set(item.passedOver) : undefined,
      offer: undefined,
      agent: undefined,
    };
  }

  function remove(interactionId: string): RoutingEvent[] {
    const entry = items.get(interactionId);
    if (entry === undefined) return [];
    if (entry.status === 'waiting') takeWaiting(entry);
    else if (entry.status === 'offered') withdrawOffer(entry);
    else releaseAssigned(entry);
    items.delete(interactionId);
    return [];
  }

  function offeredTo(interactionId: string, agentId: string, operation: string): ItemState {
    const entry = items.get(interactionId);
    if (entry === undefined) throw helplineError('not-found', { entity: 'Interaction', id: interactionId });
    if (entry.status !== 'offered' || entry.agent?.id !== agentId) {
      throw helplineError('conflict/state', {
        operation,
        entity: `interaction ${interactionId}`,
        state: entry.status === 'offered' ? 'offered to another agent' : entry.status,
      });
    }
    return entry;
  }

  function accept(interactionId: string, agentId: string): void {
    const entry = offeredTo(interactionId, agentId, 'accept');
    entry.status = 'assigned';
    entry.offer = undefined;
    (entry.agent as AgentState).consecutiveMisses = 0;
  }

  function passOver(entry: ItemState, agentId: string): void {
    entry.passedBy ??= new Set();
    entry.passedBy.add(agentId);
  }

  function reject(interactionId: string, agentId: string): RoutingEvent[] {
    const entry = offeredTo(interactionId, agentId, 'reject');
    const events: RoutingEvent[] = [];
    withdrawOffer(entry);
    passOver(entry, agentId);
    requeue(entry, events);
    return events;
  }

  function releaseAssigned(entry: ItemState): void {
    const agent = entry.agent;
    if (agent === undefined) return;
    agent.load[entry.channel]--;
    agent.held.delete(entry.item.id);
    agent.lastIdleStart = now();
    entry.agent = undefined;
    markDirty(agent, freedChannels(entry.channel));
    refreshFree(agent);
  }

  function release(interactionId: string): void {
    const entry = items.get(interactionId);
    if (entry?.status !== 'assigned') return;
    releaseAssigned(entry);
    items.delete(interactionId);
  }

  function assign(interactionId: string, agentId: string, channel: Channel): void {
    assignTo(interactionId, agentId, channel, true);
  }

  function restoreAssigned(interactionId: string, agentId: string, channel: Channel): void {
    assignTo(interactionId, agentId, channel, false);
  }

  function assignTo(interactionId: string, agentId: string, channel: Channel, withinCapacity: boolean): void {
    const agent = agentOrThrow(agentId);
    let entry = items.get(interactionId);
    if (entry?.status === 'offered' && entry.agent === agent && entry.channel === channel) {
      accept(interactionId, agentId);
      return;
    }
    if (entry?.status === 'assigned' && entry.agent === agent) return;
    if (withinCapacity && !hasCapacity(agent.agent.capacity, agent.load, channel)) {
      throw helplineError('agent/capacity', { agent: agentId, channel });
    }
    if (entry === undefined) {
      entry = newEntry(
        { id: interactionId, queueId: '', channel, priority: 0, requiredSkills: [], waitingSince: now() },
        undefined,
      );
      items.set(interactionId, entry);
    } else if (entry.status === 'waiting') takeWaiting(entry);
    else if (entry.status === 'offered') withdrawOffer(entry);
    else releaseAssigned(entry);
    entry.status = 'assigned';
    entry.channel = channel;
    entry.agent = agent;
    agent.load[channel]++;
    agent.held.add(interactionId);
    refreshFree(agent);
  }

  function transfer(interactionId: string, toQueueId: string): RoutingEvent[] {
    const target = queueOrThrow(toQueueId);
    const entry = items.get(interactionId);
    if (entry === undefined) throw helplineError('not-found', { entity: 'Interaction', id: interactionId });
    if (entry.status === 'waiting') takeWaiting(entry);
    else if (entry.status === 'offered') withdrawOffer(entry);
    else releaseAssigned(entry);
    // A new queue is a fresh start for overflow and declines, but the wait keeps counting from the first queue.
    const moved = newEntry({ ...entry.item, queueId: toQueueId, channel: entry.channel }, target);
    moved.overflowEpoch = entry.overflowEpoch + 1;
    items.set(interactionId, moved);
    const events: RoutingEvent[] = [];
    requeue(moved, events);
    scheduleOverflow(moved);
    return events;
  }

  /* --- routing --- */

  /**
   * Visits the agents that could take `group` now, with their skill score: every free agent of its queue(s)
   * when the group is dirty, else only agents dirty on its channel (the others were already found unable).
   * Stops when `visit` returns true.
   */
  function forCandidates(group: Group, visit: (agent: AgentState, score: number) => boolean): void {
    const index = group.channelIndex;
    const own = group.queue.free[index] as Set<AgentState>;
    const other = group.overflowQueue?.free[index];
    const onlyDirty = !fullRescan && !group.dirty;
    if (onlyDirty && dirtyAgents.size < own.size + (other?.size ?? 0)) {
      for (const agent of dirtyAgents) {
        if ((agent.dirtyChannels & agent.freeMask & group.channelBit) === 0) continue;
        const score = staticScore(agent, group);
        if (score >= 0 && visit(agent, score)) return;
      }
      return;
    }
    for (const agent of own) {
      if (onlyDirty && (agent.dirtyChannels & group.channelBit) === 0) continue;
      const score = staticScore(agent, group);
      if (score >= 0 && visit(agent, score)) return;
    }
    if (other === undefined) return;
    for (const agent of other) {
      // An agent working both queues was visited above.
      if (own.has(agent) || (onlyDirty && (agent.dirtyChannels & group.channelBit) === 0)) continue;
      const score = staticScore(agent, group);
      if (score >= 0 && visit(agent, score)) return;
    }
  }

  function anyCandidate(group: Group): boolean {
    let found = false;
    forCandidates(group, () => {
      found = true;
      return true;
    });
    return found;
  }

  function bestAgent(group: Group, entry: ItemState): AgentState | undefined {
    let best: AgentState | undefined;
    let bestPassed = false;
    let bestScore = -1;
    const passedBy = entry.passedBy;
    forCandidates(group, (agent, score) => {
      const passed = passedBy?.has(agent.id) ?? false;
      if (best === undefined || isBetter(agent, passed, score, best, bestPassed, bestScore)) {
        best = agent;
        bestPassed = passed;
        bestScore = score;
      }
      return false;
    });
    return best;
  }

  function isBetter(
    a: AgentState,
    aPassed: boolean,
    aScore: number,
    b: AgentState,
    bPassed: boolean,
    bScore: number,
  ): boolean {
    if (aPassed !== bPassed) return !aPassed;
    if (aScore !== bScore) return aScore > bScore;
    const aHeld = a.held.size;
    const bHeld = b.held.size;
    if ((aHeld === 0) !== (bHeld === 0)) return aHeld === 0;
    if (aHeld !== bHeld) return aHeld < bHeld;
    if (a.lastIdleStart !== b.lastIdleStart) return a.lastIdleStart < b.lastIdleStart;
    return a.id < b.id;
  }

  /** `entry` is offered to `agent` as `made` says: it holds their capacity until answered or `made` expires. */
  function hold(entry: ItemState, agent: AgentState, made: RoutingOffer): void {
    entry.status = 'offered';
    entry.offer = made;
    entry.agent = agent;
    agent.load[entry.channel]++;
    agent.held.add(entry.item.id);
    refreshFree(agent);
    offerTimers.push({ at: made.expiresAt, id: made.interactionId, offer: made });
  }

  function offer(entry: ItemState, agent: AgentState, at: number, events: RoutingEvent[]): void {
    takeWaiting(entry);
    const queue = entry.queue as QueueState;
    const made: RoutingOffer = {
      interactionId: entry.item.id,
      agentId: agent.id,
      queueId: entry.item.queueId,
      channel: entry.channel,
      offeredAt: at,
      expiresAt: at + queue.queue.offerTimeoutSeconds * 1000,
    };
    hold(entry, agent, made);
    events.push({ type: 'offered', offer: made });
  }

  const headOf = (entry: Group | Stream): ItemState =>
    entry.isStream ? entry.head : (entry.items[0] as ItemState);

  /**
   * Scans one queue's non-empty groups of a channel for those `agent` could take and that are not in the heap
   * yet: the earliest goes into the heap, and the runner-up is remembered as a stream entry keyed by its head.
   * Groups not in the heap keep their heads during a pass (only heap groups lose items), so the stream entry's
   * key is a lower bound of everything the agent could still find in that queue.
   */
  function openStream(agent: AgentState, queue: QueueState, index: number, heap: Heap<Group | Stream>): void {
    let first: Group | undefined;
    let second: Group | undefined;
    for (const group of queue.nonEmpty[index] as Set<Group>) {
      if (group.stamp === stamp || staticScore(agent, group) < 0) continue;
      const head = group.items[0] as ItemState;
      if (first === undefined || globalBefore(head, first.items[0] as ItemState)) {
        second = first;
        first = group;
      } else if (second === undefined || globalBefore(head, second.items[0] as ItemState)) {
        second = group;
      }
    }
    if (first === undefined) return;
    first.stamp = stamp;
    heap.push(first);
    if (second !== undefined) {
      heap.push({ isStream: true, agent, queue, channelIndex: index, head: second.items[0] as ItemState });
    }
  }

  function route(): RoutingEvent[] {
    const events: RoutingEvent[] = [];
    if (!fullRescan && dirtyGroups.size === 0 && dirtyAgents.size === 0) return events;
    const at = now();
    stamp++;
    const heap = new Heap<Group | Stream>((a, b) => globalBefore(headOf(a), headOf(b)));
    const considerGroup = (group: Group) => {
      if (group.stamp === stamp || group.items.length === 0) return;
      group.stamp = stamp;
      if (anyCandidate(group)) heap.push(group);
    };
    if (fullRescan) {
      for (const queue of queueList)
        for (const set of queue.nonEmpty) for (const group of set) considerGroup(group);
    } else {
      for (const group of dirtyGroups) considerGroup(group);
      for (const agent of dirtyAgents) {
        const channels = agent.dirtyChannels & agent.freeMask;
        if (channels === 0) continue;
        for (let index = 0; index < CHANNELS.length; index++) {
          if ((channels & (1 << index)) === 0) continue;
          for (const queue of agent.queues) {
            openStream(agent, queue, index, heap);
            // Overflowed interactions of other queues may reach this agent through this queue.
            for (const source of queue.overflowSources) openStream(agent, source, index, heap);
          }
        }
      }
    }
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      if (top.isStream) {
        heap.pop();
        if (top.agent.freeMask & (1 << top.channelIndex))
          openStream(top.agent, top.queue, top.channelIndex, heap);
        continue;
      }
      const head = top.items[0];
      const agent = head === undefined ? undefined : bestAgent(top, head);
      if (head === undefined || agent === undefined) {
        // Capacity only shrinks during a pass, so a group nobody can take now stays untakeable until it ends.
        heap.pop();
        continue;
      }
      offer(head, agent, at, events);
      if (top.items.length === 0) heap.pop();
      else heap.topChanged();
    }
    for (const group of dirtyGroups) group.dirty = false;
    dirtyGroups.clear();
    for (const agent of dirtyAgents) agent.dirtyChannels = 0;
    dirtyAgents.clear();
    fullRescan = false;
    return events;
  }

  function nextOverflowAt(): number | undefined {
    return overflowTimers.peek()?.at;
  }

  function tick(): RoutingEvent[] {
    const at = now();
    const events: RoutingEvent[] = [];
    for (let due = offerTimers.peek(); due !== undefined && due.at <= at; due = offerTimers.peek()) {
      offerTimers.pop();
      const entry = items.get(due.id);
      if (entry === undefined || entry.offer !== due.offer) continue;
      events.push({ type: 'missed', offer: due.offer });
      const agent = withdrawOffer(entry);
      if (agent !== undefined) passOver(entry, agent.id);
      requeue(entry, events);
      if (agent === undefined) continue;
      agent.consecutiveMisses++;
      if (agent.consecutiveMisses >= maxMisses && agent.presence === 'available') {
        // The agent is probably not at the desk: stop offering until they come back.
        const withdrawn = setPresence(agent.id, 'away', 'missed-offers');
        events.push({ type: 'agent-away', agentId: agent.id, reason: 'missed-offers' }, ...withdrawn);
      }
    }
    for (let due = overflowTimers.peek(); due !== undefined && due.at <= at; due = overflowTimers.peek()) {
      overflowTimers.pop();
      const entry = items.get(due.id);
      if (
        entry === undefined ||
        entry.overflowEpoch !== due.epoch ||
        entry.overflowed ||
        entry.status === 'assigned'
      )
        continue;
      const waiting = entry.status === 'waiting';
      if (waiting) takeWaiting(entry);
      entry.overflowed = true;
      if (waiting) placeWaiting(entry);
      const toQueueId = entry.queue?.queue.overflow?.queueId;
      events.push(
        toQueueId === undefined || toQueueId === entry.item.queueId
          ? { type: 'overflowed', interactionId: entry.item.id, queueId: entry.item.queueId }
          : { type: 'overflowed', interactionId: entry.item.id, queueId: entry.item.queueId, toQueueId },
      );
    }
    return events;
  }

  /* --- estimates and views --- */

  function recordHandleTime(queueId: string, seconds: number): void {
    const queue = queueOrThrow(queueId);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw helplineError(
        'validation/field',
        { scope: 'routing', field: 'seconds', detail: `${String(seconds)} must be a duration ≥ 0` },
        { field: 'seconds' },
      );
    }
    if (queue.handleTimes.length < handleTimeWindow) {
      queue.handleTimes.push(seconds);
    } else {
      queue.handleTimeSum -= queue.handleTimes[queue.handleTimeNext] ?? 0;
      queue.handleTimes[queue.handleTimeNext] = seconds;
    }
    queue.handleTimeSum += seconds;
    queue.handleTimeNext = (queue.handleTimeNext + 1) % handleTimeWindow;
    // Re-add from scratch once per lap so floating-point drift of the rolling sum cannot build up.
    if (queue.handleTimeNext === 0)
      queue.handleTimeSum = queue.handleTimes.reduce((sum, value) => sum + value, 0);
  }

  /** Parallel servers per channel: the capacity of the queue's qualified agents who are logged in and available. */
  function serversOf(queue: QueueState): Record<Channel, number> {
    if (queue.staffingVersion === staffingVersion) return queue.servers;
    const servers = zeroLoad();
    for (const agent of queue.workers) {
      if (agent.presence !== 'available' || (agent.baseScores[queue.index] ?? -1) < 0) continue;
      for (const channel of CHANNELS) servers[channel] += agent.agent.capacity[channel];
    }
    queue.servers = servers;
    queue.staffingVersion = staffingVersion;
    return servers;
  }

  function positionsOf(queue: QueueState, into: QueuePosition[]): void {
    const count = queue.handleTimes.length;
    const aht = count === 0 ? undefined : Math.max(0, queue.handleTimeSum / count);
    const servers = serversOf(queue);
    for (let i = 0; i < queue.waiting.length; i++) {
      const entry = queue.waiting[i] as ItemState;
      into.push({
        interactionId: entry.item.id,
        queueId: queue.queue.id,
        position: i + 1,
        estimatedWaitSeconds: estimatedWait(i + 1, servers[entry.channel], aht),
      });
    }
  }

  function positions(queueId?: string): QueuePosition[] {
    const result: QueuePosition[] = [];
    if (queueId !== undefined) {
      const queue = queues.get(queueId);
      if (queue !== undefined) positionsOf(queue, result);
      return result;
    }
    for (const queue of queueList) positionsOf(queue, result);
    return result;
  }

  function view(state: AgentState): RoutedAgent {
    const base = {
      agent: state.agent,
      presence: state.presence,
      interactionIds: [...state.held],
      consecutiveMisses: state.consecutiveMisses,
      load: { ...state.load },
    };
    return {
      ...base,
      ...(state.awayReason === undefined ? {} : { awayReason: state.awayReason }),
      ...(state.held.size === 0 ? { idleSince: state.lastIdleStart } : {}),
    };
  }

  for (const queue of options.queues) upsertQueue(queue);

  return {
    upsertQueue,
    upsertAgent,
    removeAgent,
    setPresence,
    enqueue,
    remove,
    route,
    accept,
    reject,
    release,
    assign,
    restoreAssigned,
    offerTo,
    refusalOfOfferTo,
    restoreOffer,
    passedOverOf: (interactionId) => [...(items.get(interactionId)?.passedBy ?? [])],
    transfer,
    tick,
    nextOverflowAt,
    recordHandleTime,
    positions,
    agent: (agentId) => {
      const state = agents.get(agentId);
      return state === undefined ? undefined : view(state);
    },
    agents: () => [...agents.values()].map(view),
    waiting: (queueId) => queues.get(queueId)?.waiting.map((entry) => entry.item) ?? [],
    offerOf: (interactionId) => items.get(interactionId)?.offer,
  };
}
