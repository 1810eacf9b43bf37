// The judge of a cluster run (cluster.scenario.ts): it counts, from what the clients recorded and what the
// database holds, every way a multi-instance deployment is known to fail — lost, duplicated and reordered
// messages, holes in `seq`, an interaction offered to two agents at once or taken by two, an agent past capacity, a
// timer fired twice, a stale leader's write accepted — and measures how long clients took to resume and the
// router to take over after a fault. Every count must be 0; the evidence behind each is kept, a few lines a kind.
import type { ClientRecord, SentCommand } from './cluster.client';
import type { ClusterReport, FaultMark } from './cluster.scenario';

/** The numbers of one run. Everything but the times and `seqHoles`' repairs must be 0. */
export interface ClusterCounts {
  /** Acknowledged messages the log does not hold (or holds at another `seq` than the ack said). */
  readonly lostAcked: number;
  /** Acknowledged messages a participant of the conversation never got, by any route, by the end. */
  readonly undelivered: number;
  /** Events a link delivered twice, or again after the client said at resume that it had them. */
  readonly duplicated: number;
  /** Events a link delivered after a later one of the same conversation. */
  readonly outOfOrder: number;
  /** `seq`s a link skipped (the client then had to backfill them from history). */
  readonly seqHoles: number;
  /** `seq`s of the log a participant never got by any route. */
  readonly missing: number;
  /** Interactions offered to two agents at once. */
  readonly doubleOffers: number;
  /** Interactions two agents took (two `joined`, or two accepts acknowledged). */
  readonly doubleAccepts: number;
  /** Agents who held more interactions of a channel than their capacity at some moment. */
  readonly overCapacity: number;
  /** Timers that fired twice: a callback due or dialled twice, an interaction ended twice (a wrap-up's end). */
  readonly timersTwice: number;
  /** Rows committed by an instance under an epoch another instance had won (the stale-epoch audit). */
  readonly staleEpochAccepted: number;
  /** Chats and callbacks whose scripts never finished. */
  readonly stranded: number;
  /** Clients on a failed instance that never got a welcome again. */
  readonly notResumed: number;
  /** Interactions waiting when the leader failed that were never offered or taken again. */
  readonly notTakenOver: number;
  /** Instances that could not start again after a fault. */
  readonly startFailures: number;
  /** Lines the instances logged at level error. */
  readonly serverErrors: number;
  /** From a fault until a client on the failed instance was welcomed again: the median and the slowest, ms. */
  readonly resumeMs: { readonly p50: number; readonly max: number; readonly clients: number } | undefined;
  /** From a leader fault until every interaction waiting then was offered or taken again, ms. */
  readonly takeoverMs: number | undefined;
  readonly messagesAcked: number;
}

/** The counts that must be 0, by name. */
export const MUST_BE_ZERO = [
  'lostAcked',
  'undelivered',
  'duplicated',
  'outOfOrder',
  'seqHoles',
  'missing',
  'doubleOffers',
  'doubleAccepts',
  'overCapacity',
  'timersTwice',
  'staleEpochAccepted',
  'stranded',
  'notResumed',
  'notTakenOver',
  'startFailures',
  'serverErrors',
] as const satisfies readonly (keyof ClusterCounts)[];

/** Issue 17's budgets: a client resumes within 10 s of its instance failing; routing takes over within 5 s. */
export const BUDGETS = { resumeMs: 10_000, takeoverMs: 5_000 } as const;

/** How many evidence lines of one kind are kept. */
const EVIDENCE_PER_KIND = 5;
/** Two offers of one interaction to two agents overlap by more than this before it counts (notices race). */
const OFFER_OVERLAP_TOLERANCE_MS = 100;
const FINAL = new Set(['ended', 'completed', 'cancelled', 'failed']);
/** States that show the router acted on a waiting interaction: offered it, or an agent has it. */
const ROUTED = new Set(['offered', 'active', 'dialing']);

class Evidence {
  readonly lines: string[] = [];
  private readonly kept = new Map<string, number>();

  add(kind: string, line: string): void {
    const kept = this.kept.get(kind) ?? 0;
    this.kept.set(kind, kept + 1);
    if (kept < EVIDENCE_PER_KIND) this.lines.push(`${kind}: ${line}`);
    else if (kept === EVIDENCE_PER_KIND) this.lines.push(`${kind}: … (more)`);
  }
}

/** The commands `op` of a client that were acknowledged, with their results. */
const okReplies = (client: ClientRecord, op: string) =>
  client.commands.flatMap((command: SentCommand) =>
    command.op === op && command.reply?.ok
      ? [{ ...command, result: command.reply.result, repliedAt: command.reply.at }]
      : [],
  );

/** The agents that took `cid`: an acknowledged accept or adopted work, or a `joined` in the log. */
function participants(report: ClusterReport): Map<string, Set<string>> {
  const byCid = new Map<string, Set<string>>();
  const add = (cid: string, name: string) => byCid.set(cid, (byCid.get(cid) ?? new Set()).add(name));
  for (const { cid, visitor } of report.chats) add(cid, visitor);
  for (const { cid, requester } of report.callbacks) add(cid, requester);
  for (const [cid, stored] of report.stored)
    for (const { ev } of stored.events) if (ev.type === 'joined') add(cid, ev.participant.id);
  for (const client of report.clients)
    for (const command of okReplies(client, 'offer.accept')) add(String(command.args.cid), client.name);
  return byCid;
}

/** Checks a finished run: the counts, and a few lines of evidence of each kind of violation. */
export function judgeCluster(report: ClusterReport): { counts: ClusterCounts; evidence: string[] } {
  const evidence = new Evidence();
  /** A moment as seconds into the run, for evidence lines. */
  const when = (at: number) => `+${((at - report.startedAt) / 1000).toFixed(2)} s`;
  const clients = new Map(report.clients.map((client) => [client.name, client]));
  const takers = participants(report);

  // ─── messages ────────────────────────────────────────────────────────────────────────────────
  let lostAcked = 0;
  let undelivered = 0;
  let messagesAcked = 0;
  for (const client of report.clients) {
    for (const command of okReplies(client, 'message.send')) {
      messagesAcked++;
      const cid = String(command.args.cid);
      const { seq } = command.result as { seq: number };
      const stored = report.stored
        .get(cid)
        ?.events.find(({ ev }) => ev.type === 'message' && ev.clientMsgId === command.args.clientMsgId);
      if (!stored || stored.seq !== seq) {
        lostAcked++;
        evidence.add(
          'lost',
          `${client.name} ${command.args.text} acknowledged as ${cid} seq ${seq}, ${stored ? `stored at seq ${stored.seq}` : 'not stored'}`,
        );
      }
      for (const name of takers.get(cid) ?? []) {
        if (name === client.name) continue;
        if (!clients.get(name)?.held.get(cid)?.has(seq)) {
          undelivered++;
          evidence.add(
            'undelivered',
            `${client.name} ${command.args.text} (${cid} seq ${seq}) never reached ${name}`,
          );
        }
      }
    }
  }

  // ─── what each link delivered ─────────────────────────────────────────────────────────────────
  let duplicated = 0;
  let outOfOrder = 0;
  let seqHoles = 0;
  for (const client of report.clients) {
    const lastOnLink = new Map<string, number>();
    const seenOnLink = new Set<string>();
    let link = -1;
    for (const { link: index, frame } of client.received) {
      if (index !== link) {
        link = index;
        lastOnLink.clear();
        seenOnLink.clear();
      }
      if (frame.t !== 'evt') continue;
      const base = client.links[index]?.base[frame.cid];
      const previous = lastOnLink.get(frame.cid) ?? base;
      const where = `${client.name} link ${index} ${frame.cid}`;
      if (seenOnLink.has(`${frame.cid} ${frame.seq}`) || (base !== undefined && frame.seq <= base)) {
        duplicated++;
        evidence.add('duplicated', `${where}: seq ${frame.seq} again (resumed from ${base})`);
        continue;
      }
      seenOnLink.add(`${frame.cid} ${frame.seq}`);
      if (previous !== undefined && frame.seq < previous) {
        outOfOrder++;
        evidence.add('out of order', `${where}: seq ${frame.seq} after ${previous}`);
        continue;
      }
      if (previous !== undefined && frame.seq > previous + 1) {
        seqHoles += frame.seq - previous - 1;
        evidence.add('hole', `${where}: seq ${frame.seq} after ${previous}`);
      }
      lastOnLink.set(frame.cid, frame.seq);
    }
  }

  // ─── what each participant holds at the end ───────────────────────────────────────────────────
  let missing = 0;
  for (const [cid, names] of takers) {
    const head = report.stored.get(cid)?.events.at(-1)?.seq ?? 0;
    for (const name of names) {
      const held = clients.get(name)?.held.get(cid);
      const absent = Array.from({ length: head }, (_, i) => i + 1).filter((seq) => !held?.has(seq));
      if (absent.length === 0) continue;
      missing += absent.length;
      evidence.add(
        'missing',
        `${name} on ${cid}: never got seq ${absent.slice(0, 8).join(', ')} of 1..${head}`,
      );
    }
  }

  // ─── offers and accepts ───────────────────────────────────────────────────────────────────────
  const doubleOffered = new Set<string>();
  const offers = new Map<string, { agent: string; from: number; to: number }[]>();
  for (const client of report.clients) {
    if (client.role !== 'agent') continue;
    const ends = (cid: string, from: number): number[] => [
      ...client.received.flatMap(({ at, frame }) =>
        frame.t === 'notice' &&
        frame.notice.type === 'offer.revoked' &&
        frame.notice.cid === cid &&
        at >= from
          ? [at]
          : [],
      ),
      ...client.commands.flatMap((command) =>
        (command.op === 'offer.accept' || command.op === 'offer.reject') &&
        command.args.cid === cid &&
        command.at >= from
          ? [command.at]
          : [],
      ),
    ];
    const seen = (cid: string, from: number, expiresAt: number) => {
      const list = offers.get(cid) ?? [];
      list.push({ agent: client.name, from, to: Math.min(expiresAt, ...ends(cid, from)) });
      offers.set(cid, list);
    };
    for (const { at, frame } of client.received)
      if (frame.t === 'notice' && frame.notice.type === 'offer')
        seen(frame.notice.offer.interaction.id, at, frame.notice.offer.expiresAt);
    for (const command of okReplies(client, 'agent.snapshot')) {
      const { offers: held } = command.result as {
        offers: { interaction: { id: string }; expiresAt: number }[];
      };
      for (const offer of held) seen(offer.interaction.id, command.repliedAt, offer.expiresAt);
    }
  }
  for (const [cid, list] of offers) {
    for (const a of list)
      for (const b of list)
        if (
          a.agent < b.agent &&
          Math.min(a.to, b.to) - Math.max(a.from, b.from) > OFFER_OVERLAP_TOLERANCE_MS &&
          !doubleOffered.has(cid)
        ) {
          doubleOffered.add(cid);
          evidence.add(
            'offered twice',
            `${cid} to ${a.agent} (${when(a.from)} to ${when(a.to)}) and ${b.agent} (${when(b.from)} to ${when(b.to)}), as the agents saw it`,
          );
        }
  }
  for (const [cid, stored] of report.stored) {
    const legs =
      (
        stored.record?.snapshot.context as
          | { offerHistory?: { agentId: string; offeredAt: number; endedAt?: number; expiresAt: number }[] }
          | undefined
      )?.offerHistory ?? [];
    for (const a of legs)
      for (const b of legs)
        if (
          a.agentId < b.agentId &&
          Math.min(a.endedAt ?? a.expiresAt, b.endedAt ?? b.expiresAt) - Math.max(a.offeredAt, b.offeredAt) >
            0 &&
          !doubleOffered.has(cid)
        ) {
          doubleOffered.add(cid);
          evidence.add(
            'offered twice',
            `${cid} to ${a.agentId} and ${b.agentId} at once, in its offer history`,
          );
        }
  }

  const doubleTaken = new Set<string>();
  const acceptedBy = new Map<string, Set<string>>();
  for (const client of report.clients)
    for (const command of okReplies(client, 'offer.accept'))
      acceptedBy.set(
        String(command.args.cid),
        (acceptedBy.get(String(command.args.cid)) ?? new Set()).add(client.name),
      );
  for (const [cid, agents] of acceptedBy)
    if (agents.size > 1) {
      doubleTaken.add(cid);
      evidence.add('taken twice', `${cid}: accepts acknowledged to ${[...agents].join(' and ')}`);
    }
  for (const [cid, stored] of report.stored) {
    const joined = new Set(
      stored.events.flatMap(({ ev }) => (ev.type === 'joined' ? [ev.participant.id] : [])),
    );
    if (joined.size > 1 && !doubleTaken.has(cid)) {
      doubleTaken.add(cid);
      evidence.add('taken twice', `${cid}: ${[...joined].join(' and ')} joined`);
    }
  }

  // ─── capacity, from the log: an agent holds an interaction from its `joined` until it is final ─────
  const holds = new Map<string, { at: number; delta: number; cid: string }[]>();
  for (const [cid, stored] of report.stored) {
    const channel = stored.record?.interaction.channel ?? 'chat';
    for (const { at, ev } of stored.events) {
      if (ev.type !== 'joined') continue;
      const end =
        stored.events.find(
          (e) =>
            e.at >= at &&
            ((e.ev.type === 'state' && FINAL.has(e.ev.state)) ||
              (e.ev.type === 'left' && e.ev.participantId === ev.participant.id)),
        )?.at ?? Number.POSITIVE_INFINITY;
      const key = `${ev.participant.id} ${channel}`;
      const list = holds.get(key) ?? [];
      list.push({ at, delta: 1, cid }, { at: end, delta: -1, cid });
      holds.set(key, list);
    }
  }
  let overCapacity = 0;
  const overAgents = new Set<string>();
  for (const [key, list] of holds) {
    const [agent = '', channel = ''] = key.split(' ');
    const capacity = channel === 'callback' ? report.capacity.callback : report.capacity.chat;
    list.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let held = 0;
    /** What the agent holds, each since when. */
    const holding = new Map<string, number>();
    for (const step of list) {
      held += step.delta;
      if (step.delta > 0) holding.set(step.cid, step.at);
      else holding.delete(step.cid);
      if (held > capacity && !overAgents.has(key)) {
        overAgents.add(key);
        overCapacity++;
        evidence.add(
          'over capacity',
          `${agent} held ${held} ${channel}s at once (capacity ${capacity}) at ${when(step.at)}: ${[
            ...holding,
          ]
            .map(([cid, since]) => `${cid} joined ${when(since)}`)
            .join(', ')}`,
        );
      }
    }
  }

  // ─── timers ───────────────────────────────────────────────────────────────────────────────────
  let timersTwice = 0;
  for (const [cid, stored] of report.stored) {
    const states = stored.events.flatMap(({ ev }) => (ev.type === 'state' ? [ev.state] : []));
    const finals = states.filter((state) => FINAL.has(state)).length;
    const dues = states.filter((state, i) => state === 'queued' && states[i - 1] === 'scheduled').length;
    const dials = states.filter((state) => state === 'dialing').length;
    for (const [what, count] of [
      ['ended', finals],
      ['came due', dues],
      ['dialled', dials],
    ] as const) {
      if (count <= 1) continue;
      timersTwice += count - 1;
      evidence.add('timer twice', `${cid} ${what} ${count} times: ${states.join(' → ')}`);
    }
  }

  // ─── resume and takeover ──────────────────────────────────────────────────────────────────────
  const failures = report.faults.filter((fault) => ['kill', 'stop', 'terminate'].includes(fault.kind));
  const resumes: number[] = [];
  let notResumed = 0;
  for (const fault of failures) {
    for (const client of report.clients) {
      const onIt = client.links.find(
        (link) =>
          link.instance === fault.instance &&
          link.welcomedAt !== undefined &&
          link.welcomedAt <= fault.at &&
          (link.closedAt === undefined || link.closedAt >= fault.at),
      );
      if (!onIt) continue;
      const back = client.links.find((link) => link.index > onIt.index && (link.welcomedAt ?? 0) > fault.at);
      if (back?.welcomedAt === undefined) {
        notResumed++;
        evidence.add('not resumed', `${client.name}, on instance ${fault.instance} at its ${fault.kind}`);
      } else resumes.push(back.welcomedAt - fault.at);
    }
  }
  resumes.sort((a, b) => a - b);

  const takeovers: number[] = [];
  let notTakenOver = 0;
  const leaderFaults = report.faults.filter(
    (fault: FaultMark) => fault.leader && ['kill', 'stop', 'partition'].includes(fault.kind),
  );
  for (const fault of leaderFaults) {
    let slowest: number | undefined;
    for (const [cid, stored] of report.stored) {
      const states = stored.events.flatMap(({ at, ev }) =>
        ev.type === 'state' ? [{ at, state: ev.state }] : [],
      );
      const before = states.filter((s) => s.at <= fault.at).at(-1);
      if (before?.state !== 'queued' && before?.state !== 'offered') continue;
      const routed = states.find((s) => s.at > fault.at && ROUTED.has(s.state));
      if (!routed) {
        notTakenOver++;
        evidence.add('not taken over', `${cid}, ${before.state} when the leader's ${fault.kind} struck`);
      } else slowest = Math.max(slowest ?? 0, routed.at - fault.at);
    }
    if (slowest !== undefined) takeovers.push(slowest);
  }

  // ─── the rest ─────────────────────────────────────────────────────────────────────────────────
  for (const line of report.stuck) evidence.add('stranded', line);
  const serverErrors = report.instances.reduce((sum, instance) => sum + instance.errors.length, 0);
  for (const instance of report.instances)
    for (const line of instance.errors)
      evidence.add('server error', `instance ${instance.index}: ${line.slice(0, 300)}`);
  const startFailures = report.faults.filter((fault) => fault.kind === 'start-failed').length;
  for (const line of report.staleEpoch.evidence) evidence.add('stale epoch', line);

  const resumeMs =
    resumes.length === 0
      ? undefined
      : {
          p50: resumes[Math.floor((resumes.length - 1) / 2)] ?? 0,
          max: resumes.at(-1) ?? 0,
          clients: resumes.length,
        };
  const takeoverMs = takeovers.length === 0 ? undefined : Math.max(...takeovers);
  if (resumeMs && resumeMs.max > BUDGETS.resumeMs)
    evidence.add(
      'budget',
      `a client resumed ${resumeMs.max} ms after its instance failed (budget ${BUDGETS.resumeMs})`,
    );
  if (takeoverMs !== undefined && takeoverMs > BUDGETS.takeoverMs)
    evidence.add('budget', `routing took over after ${takeoverMs} ms (budget ${BUDGETS.takeoverMs})`);

  return {
    counts: {
      lostAcked,
      undelivered,
      duplicated,
      outOfOrder,
      seqHoles,
      missing,
      doubleOffers: doubleOffered.size,
      doubleAccepts: doubleTaken.size,
      overCapacity,
      timersTwice,
      staleEpochAccepted: report.staleEpoch.accepted,
      stranded: report.stuck.length,
      notResumed,
      notTakenOver,
      startFailures,
      serverErrors,
      resumeMs,
      takeoverMs,
      messagesAcked,
    },
    evidence: evidence.lines,
  };
}

/** The sum of the counts that must be 0, and whether the times kept their budgets. */
export function verdict(counts: ClusterCounts): { violations: number; withinBudget: boolean } {
  const violations = MUST_BE_ZERO.reduce((sum, key) => sum + counts[key], 0);
  const withinBudget =
    (counts.resumeMs?.max ?? 0) <= BUDGETS.resumeMs && (counts.takeoverMs ?? 0) <= BUDGETS.takeoverMs;
  return { violations, withinBudget };
}
