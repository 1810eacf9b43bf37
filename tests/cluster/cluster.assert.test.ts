// The cluster judge on hand-made runs: a clean run counts nothing, and each kind of failure, planted alone, is
// counted once. The scenarios (cluster.long.ts) trust these counts, so the counting itself is tested here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConversationEvent, ServerFrame } from '@helpline/core';
import type { StoredEvent, StoredInteraction } from '@helpline/core/hub';
import { type ClusterCounts, judgeCluster, MUST_BE_ZERO, verdict } from './cluster.assert';
import type { ClientLink, HeldEvent, ReceivedFrame, SentCommand } from './cluster.client';
import type { ClusterReport, FaultMark, RunChat, StoredConversation } from './cluster.scenario';

/** A client's records, open to planting faults. */
interface Records {
  readonly name: string;
  readonly role: 'visitor' | 'agent';
  links: ClientLink[];
  received: ReceivedFrame[];
  commands: SentCommand[];
  held: Map<string, Map<number, HeldEvent>>;
}
/** A run, open to planting faults. */
interface Run extends Omit<ClusterReport, 'clients' | 'stored' | 'chats' | 'faults'> {
  clients: Records[];
  stored: Map<string, StoredConversation>;
  chats: RunChat[];
  faults: FaultMark[];
}

const CID = 'c1';
const T = 1_000_000;

/** The log of one clean chat: v0 writes while waiting, a0 is offered it, accepts, replies; v0 leaves. */
function chatLog(agent = 'a0'): StoredEvent[] {
  const events: [number, Record<string, unknown>][] = [
    [T + 10, { type: 'created' }],
    [T + 20, { type: 'state', state: 'queued' }],
    [T + 30, { type: 'message', clientMsgId: 'm1', text: 'v0.w0', from: { role: 'visitor' } }],
    [T + 100, { type: 'state', state: 'offered' }],
    [T + 200, { type: 'state', state: 'active' }],
    [T + 200, { type: 'joined', participant: { id: agent } }],
    [T + 300, { type: 'message', clientMsgId: 'm2', text: `${agent}.0.0`, from: { role: 'agent' } }],
    [T + 400, { type: 'state', state: 'ended' }],
  ];
  return events.map(([at, ev], i) => ({ cid: CID, seq: i + 1, at, ev: ev as unknown as ConversationEvent }));
}

const link = (index: number, welcomedAt: number, more: Partial<ClientLink> = {}): ClientLink => ({
  index,
  openedAt: welcomedAt,
  instance: 0,
  base: {},
  welcomedAt,
  ...more,
});

/** A client that got every event of `log` on one link, and sent `commands`. */
function client(
  name: string,
  role: 'visitor' | 'agent',
  log: readonly StoredEvent[],
  commands: SentCommand[],
  notices: { at: number; frame: ServerFrame }[] = [],
): Records {
  const received = [
    ...notices.map((notice) => ({ ...notice, link: 0 })),
    ...log.map(({ cid, seq, at, ev }) => ({
      at,
      link: 0,
      frame: { t: 'evt', cid, seq, at, ev } as ServerFrame,
    })),
  ];
  const held = new Map<number, HeldEvent>(log.map(({ seq, at, ev }) => [seq, { ev, at, via: 'link' }]));
  return { name, role, links: [link(0, T)], received, commands, held: new Map([[CID, held]]) };
}

const sent = (
  op: SentCommand['op'],
  at: number,
  args: Record<string, unknown>,
  result?: unknown,
): SentCommand => ({
  id: `${op}@${at}`,
  op,
  args,
  at,
  links: [0],
  reply: { at: at + 5, ok: true, result },
});

const offerNotice = (at: number, expiresAt: number) => ({
  at,
  frame: {
    t: 'notice',
    notice: { type: 'offer', offer: { interaction: { id: CID, channel: 'chat' }, expiresAt } },
  } as unknown as ServerFrame,
});

/** A clean run: one chat, one visitor, one agent, no fault. */
function cleanRun(): Run {
  const log = chatLog();
  return {
    scenario: 'hand-made',
    seed: 1,
    leader: 0,
    leaderFrom: 'assumed',
    startedAt: T,
    faults: [],
    notes: [],
    clients: [
      client('v0', 'visitor', log, [
        sent('message.send', T + 25, { cid: CID, clientMsgId: 'm1', text: 'v0.w0' }, { seq: 3 }),
      ]),
      client(
        'a0',
        'agent',
        log,
        [
          sent('offer.accept', T + 180, { cid: CID }),
          sent('message.send', T + 290, { cid: CID, clientMsgId: 'm2', text: 'a0.0.0' }, { seq: 7 }),
        ],
        [offerNotice(T + 40, T + 2_040)],
      ),
    ],
    chats: [{ cid: CID, index: 0, visitor: 'v0' }],
    callbacks: [],
    stored: new Map([
      [
        CID,
        {
          record: {
            interaction: { channel: 'chat' },
            snapshot: { value: 'ended', context: {} },
            open: false,
          } as unknown as StoredInteraction,
          events: log,
        },
      ],
    ]),
    capacity: { chat: 1, callback: 1 },
    instances: [],
    events: [],
    stuck: [],
    staleEpoch: { accepted: 0, refused: 0, note: '', evidence: [] },
    elapsedMs: 1_000,
  };
}

/** The counts that are not 0, by name. */
function nonZero(counts: ClusterCounts): Partial<Record<(typeof MUST_BE_ZERO)[number], number>> {
  return Object.fromEntries(MUST_BE_ZERO.filter((key) => counts[key] !== 0).map((key) => [key, counts[key]]));
}

const visitorOf = (run: Run) => run.clients[0] as Records;
const agentOf = (run: Run) => run.clients[1] as Records;

describe('judgeCluster', () => {
  it('counts nothing in a clean run', () => {
    const { counts, evidence } = judgeCluster(cleanRun());
    assert.deepEqual(nonZero(counts), {});
    assert.deepEqual(evidence, []);
    assert.equal(counts.messagesAcked, 2);
  });

  it('counts an acknowledged message the log does not hold as lost', () => {
    const run = cleanRun();
    const stored = run.stored.get(CID);
    const events =
      stored?.events.filter(({ ev }) => !(ev.type === 'message' && ev.clientMsgId === 'm2')) ?? [];
    run.stored.set(CID, { record: stored?.record, events });
    assert.equal(nonZero(judgeCluster(run).counts).lostAcked, 1);
  });

  it('counts a message that never reached the other party as undelivered, its seq as missing and skipped', () => {
    const run = cleanRun();
    const visitor = visitorOf(run);
    visitor.received = visitor.received.filter(({ frame }) => !(frame.t === 'evt' && frame.seq === 7));
    visitor.held.get(CID)?.delete(7);
    assert.deepEqual(nonZero(judgeCluster(run).counts), { undelivered: 1, missing: 1, seqHoles: 1 });
  });

  it('counts an event a link brings twice, or below the cursor the client resumed from, as duplicated', () => {
    const run = cleanRun();
    const agent = agentOf(run);
    const fifth = agent.received.find(({ frame }) => frame.t === 'evt' && frame.seq === 5);
    if (fifth) agent.received.push(fifth);
    assert.deepEqual(nonZero(judgeCluster(run).counts), { duplicated: 1 });

    const resumed = cleanRun();
    const visitor = visitorOf(resumed);
    visitor.links.push(link(1, T + 500, { base: { [CID]: 8 } }));
    visitor.received.push({ at: T + 510, link: 1, frame: visitor.received.at(-1)?.frame as ServerFrame });
    assert.deepEqual(nonZero(judgeCluster(resumed).counts), { duplicated: 1 });
  });

  it('counts an event delivered after a later one as out of order', () => {
    const run = cleanRun();
    const agent = agentOf(run);
    const [fourth, fifth] = [4, 5].map((seq) =>
      agent.received.findIndex(({ frame }) => frame.t === 'evt' && frame.seq === seq),
    ) as [number, number];
    [agent.received[fourth], agent.received[fifth]] = [
      agent.received[fifth] as (typeof agent.received)[number],
      agent.received[fourth] as (typeof agent.received)[number],
    ];
    // Seq 5 then 4: 4 is out of order, and 5 came right after 3, skipping 4 on the link.
    assert.deepEqual(nonZero(judgeCluster(run).counts), { outOfOrder: 1, seqHoles: 1 });
  });

  it('counts one interaction offered to two agents at once, as the agents saw it', () => {
    const run = cleanRun();
    run.clients.push(client('a1', 'agent', [], [], [offerNotice(T + 50, T + 2_050)]));
    assert.deepEqual(nonZero(judgeCluster(run).counts), { doubleOffers: 1 });
    // An offer that follows one that was answered (or ran out) is no double offer.
    const next = cleanRun();
    next.clients.push(client('a1', 'agent', [], [], [offerNotice(T + 200, T + 2_200)]));
    assert.deepEqual(nonZero(judgeCluster(next).counts), {});
  });

  it('counts one interaction two agents joined as taken twice, and the agent past capacity', () => {
    const run = cleanRun();
    const stored = run.stored.get(CID);
    const twice = [
      ...(stored?.events ?? []).slice(0, 6),
      {
        cid: CID,
        seq: 7,
        at: T + 250,
        ev: { type: 'joined', participant: { id: 'a1' } } as ConversationEvent,
      },
    ];
    run.stored.set(CID, { record: stored?.record, events: twice });
    const counts = judgeCluster(run).counts;
    assert.equal(counts.doubleAccepts, 1);

    const over = cleanRun();
    const second = chatLog().map((event) => ({ ...event, cid: 'c2' }));
    over.stored.set('c2', { record: over.stored.get(CID)?.record, events: second });
    over.chats = [...over.chats, { cid: 'c2', index: 1, visitor: 'v1' }];
    const v1 = client('v1', 'visitor', second, []);
    v1.held.set('c2', v1.held.get(CID) ?? new Map());
    agentOf(over).held.set('c2', agentOf(over).held.get(CID) ?? new Map());
    over.clients.push(v1);
    assert.deepEqual(nonZero(judgeCluster(over).counts), { overCapacity: 1 });
  });

  it('counts an interaction that ended twice as a timer fired twice', () => {
    const run = cleanRun();
    const stored = run.stored.get(CID);
    const events = [
      ...(stored?.events ?? []),
      { cid: CID, seq: 9, at: T + 500, ev: { type: 'state', state: 'ended' } as ConversationEvent },
    ];
    run.stored.set(CID, { record: stored?.record, events });
    for (const party of run.clients)
      party.held.get(CID)?.set(9, { ev: events[8]?.ev as ConversationEvent, at: 0, via: 'link' });
    assert.deepEqual(nonZero(judgeCluster(run).counts), { timersTwice: 1 });
  });

  it('counts the stale-epoch writes the audit found, with its evidence, and fails the verdict', () => {
    const run: Run = {
      ...cleanRun(),
      staleEpoch: {
        accepted: 3,
        refused: 0,
        note: '',
        evidence: ['3 presence_history rows by helpline-1 under epoch 3 (won by helpline-2)'],
      },
    };
    const { counts, evidence } = judgeCluster(run);
    assert.deepEqual(nonZero(counts), { staleEpochAccepted: 3 });
    assert.deepEqual(evidence, [
      'stale epoch: 3 presence_history rows by helpline-1 under epoch 3 (won by helpline-2)',
    ]);
    assert.equal(verdict(counts).violations, 3);
  });

  it('measures resume from the fault to the next welcome, and counts a client that never came back', () => {
    const kill: FaultMark = { at: T + 350, kind: 'kill', instance: 0, leader: false };
    const run: Run = { ...cleanRun(), faults: [kill] };
    const visitor = visitorOf(run);
    visitor.links[0] = link(0, T, { closedAt: T + 360 });
    visitor.links.push(link(1, T + 1_850, { instance: 1 }));
    const agent = agentOf(run);
    agent.links[0] = link(0, T, { closedAt: T + 360 });
    const { counts } = judgeCluster(run);
    assert.deepEqual(counts.resumeMs, { p50: 1_500, max: 1_500, clients: 1 });
    assert.deepEqual(nonZero(counts), { notResumed: 1 });
  });

  it("measures takeover from the leader's fault until what waited then is offered again", () => {
    const run = {
      ...cleanRun(),
      faults: [{ at: T + 50, kind: 'kill', instance: 0, leader: true } as FaultMark],
    };
    assert.equal(judgeCluster(run).counts.takeoverMs, 50);
    const stranded: Run = {
      ...cleanRun(),
      faults: [{ at: T + 50, kind: 'stop', instance: 0, leader: true } as FaultMark],
    };
    const stored = stranded.stored.get(CID);
    stranded.stored.set(CID, { record: stored?.record, events: stored?.events.slice(0, 3) ?? [] });
    for (const party of stranded.clients) for (const seq of [4, 5, 6, 7, 8]) party.held.get(CID)?.delete(seq);
    for (const party of stranded.clients)
      party.commands = party.commands.filter((c) => c.op !== 'message.send' || c.args.clientMsgId === 'm1');
    const counts = judgeCluster(stranded).counts;
    assert.equal(counts.notTakenOver, 1);
  });
});
