import { type CaseEvent, type CaseRecord, caseMachine, caseSnapshot, transition } from '@helpline/core';

/*
 * A generated case history for the FCR tests (cases.fcr.test, reports.sql.test): cases driven through the machine by
 * random events, each with the generator's own account of what happened to it (did the customer come back, when was
 * it last solved), kept from the events it sent without reading the machine's counters.
 */

const DAY = 86_400_000;

/** Where a generated case starts: the interaction it is opened from, its queue and assignee. */
export interface CaseOpening {
  readonly at: number;
  readonly queueId: string;
  readonly assigneeId?: string | undefined;
  /** Its first contact; generated cases without one get `i<n>`. */
  readonly interactionId: string;
}

/** What the generator knows of a case, from the events it sent. */
export interface CaseAccount {
  readonly opening: CaseOpening;
  /** A second contact (a new interaction about it, the customer answering after a solve) or a staff reopening. */
  cameBack: boolean;
  /** When it was last solved, unless something reopened it since. */
  solvedAt: number | undefined;
}

/** mulberry32: a small seeded generator. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One case per opening, up to five random events a day or less apart after it, from `seed`. */
export function generateCases(
  openings: readonly CaseOpening[],
  seed: number,
): { records: CaseRecord[]; accounts: CaseAccount[] } {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const records: CaseRecord[] = [];
  const accounts: CaseAccount[] = [];
  for (const [n, opening] of openings.entries()) {
    let at = opening.at;
    const account: CaseAccount = { opening, cameBack: false, solvedAt: undefined };
    let snapshot = caseSnapshot({
      at,
      subject: `case ${n}`,
      queueId: opening.queueId,
      assigneeId: opening.assigneeId,
      interactionId: opening.interactionId,
    });
    const interactions = [opening.interactionId];
    for (let steps = Math.floor(next() * 6); steps > 0; steps -= 1) {
      at += Math.floor(next() * DAY);
      const roll = next();
      const fresh = `${opening.interactionId}-${interactions.length}`;
      const event: CaseEvent =
        roll < 0.35
          ? { type: 'SOLVE', at }
          : roll < 0.45
            ? { type: 'CONTACT', at, interactionId: pick(interactions) }
            : roll < 0.52
              ? { type: 'LINK', at, interactionId: fresh }
              : roll < 0.6
                ? { type: 'REOPEN', at }
                : roll < 0.7
                  ? { type: 'CLOSE', at }
                  : roll < 0.85
                    ? { type: 'PEND', at }
                    : { type: 'AGENT_REPLY', at };
      const result = transition(caseMachine, snapshot, event);
      if (!result.ok || !result.changed) continue;
      const was = snapshot.value;
      snapshot = result.snapshot;
      if (event.type === 'LINK') {
        interactions.push(fresh);
        account.cameBack = true;
      }
      if (event.type === 'CONTACT' && was === 'solved') account.cameBack = true;
      if (event.type === 'REOPEN') account.cameBack = true;
      if (event.type === 'SOLVE') account.solvedAt = at;
      if (snapshot.value === 'open' && was === 'solved') account.solvedAt = undefined;
    }
    records.push({ id: `case-${String(n).padStart(5, '0')}`, customerId: `cu${n % 97}`, snapshot });
    accounts.push(account);
  }
  return { records, accounts };
}

/**
 * The independent computation of case FCR: per group, cases solved in `[from, to)` and those the customer never came
 * back on, sorted by key (`null` last).
 */
export function expectedCaseFcr(
  accounts: readonly CaseAccount[],
  from: number,
  to: number,
  key: (account: CaseAccount) => string | null,
): { key: string | null; solved: number; firstContact: number; rate: number }[] {
  const groups = new Map<string | null, { solved: number; firstContact: number }>();
  for (const account of accounts) {
    if (account.solvedAt === undefined || account.solvedAt < from || account.solvedAt >= to) continue;
    const group = groups.get(key(account)) ?? { solved: 0, firstContact: 0 };
    group.solved += 1;
    if (!account.cameBack) group.firstContact += 1;
    groups.set(key(account), group);
  }
  return [...groups.entries()]
    .map(([k, g]) => ({ key: k, ...g, rate: g.firstContact / g.solved }))
    .sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1));
}
