// What a crash run must show (docs/delivery.md, docs/routing.md), shared by the test and `npm run chaos`: every
// client's view is the stored log without a hole, every acknowledged message is stored exactly once, every offer
// ends exactly once, every callback rings once for its slot. Findings are collected, not thrown one by one, so a
// failing run names all of its evidence at once.
import assert from 'node:assert/strict';
import type { OfferLeg } from '@helpline/core';
import { ACCEPTING_AGENTS, type CrashReport, type StoredConversation } from './crash.scenario';

/** The numbers of a run, for its summary line. */
export interface CrashTally {
  readonly restarts: number;
  readonly chats: number;
  readonly callbacks: number;
  readonly messagesStored: number;
  readonly messagesAcked: number;
  readonly messagesRefused: number;
  readonly offers: number;
  readonly accepted: number;
  /** Unanswered offers that ended at or after their expiry. */
  readonly timedOut: number;
  /**
   * Unanswered offers taken back before their expiry: the agent went away, or after a restart the router could not
   * give the offer back to its agent (no longer configured, no room).
   */
  readonly withdrawn: number;
  readonly callbacksDue: number;
  /**
   * Offers that were open when the server was killed: restore() gave each back to its agent until its expiry, so it
   * ended answered, or timed out (at once, when it ran out while the server was down).
   */
  readonly offersAcrossKills: number;
  /** Callbacks whose slot started while the server was down. */
  readonly duesWhileDown: number;
  readonly clientViews: number;
  readonly drops: number;
}

const legsOf = (stored: StoredConversation): readonly OfferLeg[] =>
  (stored.record.snapshot.context as { offerHistory?: readonly OfferLeg[] }).offerHistory ?? [];

/** Checks a finished run; returns every violation found and the run's numbers. */
export function judgeCrash(report: CrashReport): { problems: string[]; tally: CrashTally } {
  const problems: string[] = [];
  const callbackCids = new Set(report.callbacks.map((c) => c.cid));
  let offers = 0;
  let accepted = 0;
  let timedOut = 0;
  let withdrawn = 0;
  let callbacksDue = 0;
  let offersAcrossKills = 0;
  let duesWhileDown = 0;
  const down = (at: number) => report.downtimes.some((d) => d.from <= at && at < d.to);
  const across = (from: number, to: number) => report.downtimes.some((d) => from < d.from && d.from < to);

  for (const line of report.stuck) problems.push(`stuck: ${line}`);
  for (const line of report.serverErrors) problems.push(`server logged an error: ${line}`);
  for (const cid of [...report.chats, ...callbackCids])
    if (!report.stored.has(cid)) problems.push(`${cid}: not in the database`);
  for (const [visitor, count] of report.conversationsPerVisitor)
    if (count !== 1) problems.push(`${visitor} has ${count} conversations in the database, not 1`);

  // ─── the stored logs and records ──────────────────────────────────────────────────────────────
  for (const [cid, stored] of report.stored) {
    const callback = callbackCids.has(cid);
    const seqs = stored.events.map((e) => e.seq);
    const holes = seqs.flatMap((seq, i) => (seq === i + 1 ? [] : [`${i + 1} (found ${seq})`]));
    if (holes.length > 0)
      problems.push(`${cid}: the stored log is not 1..${seqs.length}: ${holes.slice(0, 3)}`);
    const { record } = stored;
    const finalState = callback ? 'completed' : 'ended';
    if (record.snapshot.value !== finalState || record.open)
      problems.push(
        `${cid}: stored in ${record.snapshot.value} (open ${record.open}), expected ${finalState}`,
      );

    // Offers: each leg ends exactly once, and the log shows each offer and its one way out.
    const legs = legsOf(stored);
    const states = stored.events.flatMap((e) =>
      e.ev.type === 'state' ? [{ seq: e.seq, state: e.ev.state }] : [],
    );
    const offeredEvents = states.filter((s) => s.state === 'offered');
    offers += legs.length;
    if (offeredEvents.length !== legs.length)
      problems.push(
        `${cid}: ${offeredEvents.length} 'offered' events in the log but ${legs.length} offer legs`,
      );
    states.forEach((s, i) => {
      const next = states[i + 1];
      if (s.state === 'offered' && next?.state === 'offered')
        problems.push(
          `${cid}: offered at seq ${s.seq} and offered again at seq ${next.seq} without the first offer ending`,
        );
    });
    const answered = legs.filter((leg) => leg.answeredAt !== undefined);
    const unanswered = legs.filter((leg) => leg.answeredAt === undefined);
    accepted += answered.length;
    legs.forEach((leg, i) => {
      const name = `${cid}: offer leg ${i + 1} (${leg.agentId}, offered ${leg.offeredAt})`;
      if (leg.endReason === undefined || leg.endedAt === undefined) problems.push(`${name} never ended`);
      else if (leg.answeredAt === undefined && leg.endReason !== 'missed')
        problems.push(`${name} unanswered but ended '${leg.endReason}'`);
      if (leg.answeredAt !== undefined && !ACCEPTING_AGENTS.includes(leg.agentId as 'alice'))
        problems.push(`${name} answered by ${leg.agentId}, who never answers`);
    });
    for (const leg of legs)
      if (across(leg.offeredAt, leg.answeredAt ?? leg.endedAt ?? Number.POSITIVE_INFINITY))
        offersAcrossKills++;
    for (const leg of unanswered) {
      if (leg.endedAt === undefined) continue;
      if (leg.endedAt >= leg.expiresAt) timedOut++;
      else withdrawn++;
    }
    const missCount = (record.snapshot.context as { missCount?: number }).missCount ?? 0;
    if (missCount !== unanswered.filter((leg) => leg.endReason === 'missed').length)
      problems.push(`${cid}: missCount ${missCount} but ${unanswered.length} unanswered legs`);
    const backInLine = states.filter(
      (s, i) => s.state === 'queued' && states[i - 1]?.state === 'offered',
    ).length;
    if (backInLine !== unanswered.length)
      problems.push(
        `${cid}: ${backInLine} offers went back in line in the log, ${unanswered.length} legs unanswered`,
      );
    if (answered.length !== 1) problems.push(`${cid}: ${answered.length} answered offers, expected 1`);

    if (callback) {
      // One slot, so one ring: the slot comes due once (scheduled → queued), no earlier, and it is dialled once.
      const slot = report.callbacks.find((c) => c.cid === cid)?.slot ?? 0;
      const dues = states.filter((s, i) => s.state === 'queued' && states[i - 1]?.state === 'scheduled');
      callbacksDue += dues.length;
      if (down(slot)) duesWhileDown++;
      if (dues.length !== 1) problems.push(`${cid}: came due ${dues.length} times for one slot`);
      const dueEvent = stored.events.find((e) => e.seq === dues[0]?.seq);
      if (dueEvent && dueEvent.at < slot)
        problems.push(`${cid}: came due at ${dueEvent.at}, before its slot ${slot}`);
      const attempts = (record.snapshot.context as { attempts?: number }).attempts;
      if (attempts !== 1) problems.push(`${cid}: dialled ${attempts} times, expected 1`);
      const dueSince = (record.snapshot.context as { dueSince?: number }).dueSince;
      if (dueSince === undefined || dueSince < slot)
        problems.push(`${cid}: dueSince ${dueSince}, slot ${slot}`);
    }
  }

  // ─── messages ─────────────────────────────────────────────────────────────────────────────────
  const storedTexts = new Map<string, string[]>();
  let messagesStored = 0;
  for (const [cid, stored] of report.stored) {
    for (const { ev } of stored.events) {
      if (ev.type !== 'message') continue;
      messagesStored++;
      storedTexts.set(ev.text, [...(storedTexts.get(ev.text) ?? []), cid]);
    }
  }
  const sentTexts = new Set(report.sent.map((m) => m.text));
  for (const [text, cids] of storedTexts) {
    if (cids.length > 1) problems.push(`message ${text} stored ${cids.length} times (${cids.join(', ')})`);
    if (!sentTexts.has(text)) problems.push(`message ${text} stored but never sent`);
  }
  for (const message of report.sent) {
    const where = storedTexts.get(message.text) ?? [];
    if (message.acked && (where.length !== 1 || where[0] !== message.cid))
      problems.push(`message ${message.text} was acknowledged but is stored in [${where.join(', ')}]`);
    if (message.refused !== undefined) {
      problems.push(`message ${message.text} by ${message.by} was refused: ${message.refused}`);
      if (where.length > 0) problems.push(`message ${message.text} was refused for good but is stored`);
    }
  }
  // Each sender's messages of one conversation are stored in the order they were typed.
  const bySender = new Map<string, string[]>();
  for (const message of report.sent) {
    const key = `${message.cid} ${message.by}`;
    bySender.set(key, [...(bySender.get(key) ?? []), message.text]);
  }
  for (const [key, texts] of bySender) {
    const cid = key.split(' ')[0] ?? '';
    const order = (report.stored.get(cid)?.events ?? []).flatMap((e) =>
      e.ev.type === 'message' && texts.includes(e.ev.text) ? [e.ev.text] : [],
    );
    if (JSON.stringify(order) !== JSON.stringify(texts.filter((t) => order.includes(t))))
      problems.push(`${key}: stored in the order ${order.join(' ')}, typed ${texts.join(' ')}`);
  }

  // ─── what each client saw ─────────────────────────────────────────────────────────────────────
  let clientViews = 0;
  let drops = 0;
  for (const client of report.clients) {
    drops += client.drops;
    // Each kill broke the link of every client connected then, before the next kill: a link that stays up through a
    // kill is a socket that looks open and delivers nothing. (A client still reconnecting from the last kill, which
    // happens on a loaded machine, had no link to break.)
    report.downtimes.forEach(({ from }, k) => {
      const next = report.downtimes[k + 1]?.from ?? Number.POSITIVE_INFINITY;
      const connected = client.links.filter((change) => change.at <= from).at(-1)?.up === true;
      const dropped = client.links.some((change) => !change.up && change.at > from && change.at <= next);
      if (connected && !dropped) problems.push(`${client.name}: its link stayed up through kill #${k + 1}`);
    });
    const mustFollow = new Set<string>();
    if (client.role === 'agent') {
      for (const [cid, stored] of report.stored)
        if (stored.record.interaction.participants.some((p) => p.id === client.subjectId))
          mustFollow.add(cid);
    }
    for (const [cid, view] of client.conversations) if (view.lastSeq > 0) mustFollow.add(cid);
    if (client.role === 'visitor' && mustFollow.size !== 1)
      problems.push(`${client.name} follows ${mustFollow.size} conversations, expected 1`);
    for (const cid of mustFollow) {
      clientViews++;
      const name = `${client.name} on ${cid}`;
      const stored = report.stored.get(cid);
      const view = client.conversations.get(cid);
      if (!stored || !view) {
        problems.push(
          `${name}: ${stored ? 'no view of a conversation it took part in' : 'not in the database'}`,
        );
        continue;
      }
      const head = stored.events.length;
      if (view.lastSeq !== head)
        problems.push(`${name}: the view ends at seq ${view.lastSeq}, the log at ${head}`);
      // Seq 1..head, each folded in: delivered by the connection or brought by a history page.
      const seen = new Set([...view.delivered.map((e) => e.seq), ...view.paged.keys()]);
      const missing = Array.from({ length: head }, (_, i) => i + 1).filter((seq) => !seen.has(seq));
      if (missing.length > 0)
        problems.push(`${name}: never saw seq ${missing.slice(0, 10).join(', ')} of 1..${head}`);
      view.delivered.forEach((event, i) => {
        const previous = view.delivered[i - 1];
        if (previous && event.seq <= previous.seq)
          problems.push(`${name}: delivered seq ${event.seq} after seq ${previous.seq}`);
        const original = stored.events[event.seq - 1];
        const same =
          original?.ev.type === event.ev.type &&
          (event.ev.type !== 'message' ||
            (original.ev.type === 'message' && original.ev.text === event.ev.text));
        if (!same)
          problems.push(
            `${name}: seq ${event.seq} delivered as ${event.ev.type}, stored as ${original?.ev.type}`,
          );
      });
      const storedMessages = stored.events.flatMap((e) =>
        e.ev.type === 'message' ? [`${e.seq}:${e.ev.text}`] : [],
      );
      if (JSON.stringify(view.messages) !== JSON.stringify(storedMessages))
        problems.push(
          `${name}: shows ${view.messages.length} messages, the log holds ${storedMessages.length}; first difference at ${
            view.messages.find((m, i) => m !== storedMessages[i]) ?? storedMessages[view.messages.length]
          }`,
        );
      if (view.unconfirmed > 0) problems.push(`${name}: ${view.unconfirmed} messages still unconfirmed`);
    }
  }

  return {
    problems,
    tally: {
      restarts: report.kills,
      chats: report.chats.length,
      callbacks: report.callbacks.length,
      messagesStored,
      messagesAcked: report.sent.filter((m) => m.acked).length,
      messagesRefused: report.sent.filter((m) => m.refused !== undefined).length,
      offers,
      accepted,
      timedOut,
      withdrawn,
      callbacksDue,
      offersAcrossKills,
      duesWhileDown,
      clientViews,
      drops,
    },
  };
}

/** Asserts a finished run: no violation, and the faults and timeouts it was meant to exercise really happened. */
export function assertCrash(report: CrashReport): CrashTally {
  const { problems, tally } = judgeCrash(report);
  assert.deepEqual(problems, [], `${problems.length} violations (seed ${report.seed})`);
  assert.equal(tally.restarts, report.plan.uptimesMs.length + 1, 'every planned kill happened');
  assert.ok(tally.timedOut > 0, 'offers timed out during the run');
  assert.ok(tally.offersAcrossKills > 0, 'some offer was out when the server was killed');
  assert.equal(tally.callbacksDue, report.callbacks.length, 'every callback came due');
  return tally;
}
