// Test-only: a hub with an email channel whose outbound records what it sends, an agent connected, and inbound mail.
// Not exported from any index: nothing in a build imports this file.
import { afterEach } from 'node:test';
import type { Agent } from '../agent/agent.types';
import type { CustomerDirectory } from '../customer';
import type { ServerFrame } from '../protocol/protocol.types';
import { createTestClock, flush, supportQueue, type TestClock, testAgent } from '../testing';
import type { ChannelOutbound, InboundMessage, OutboundMessage } from './channels.types';
import { devAuthenticate } from './dev-auth';
import { createHub, type Hub } from './hub';
import type { HubStorage, Subject } from './hub.types';
import { createMemoryStorage } from './memory.storage';

const hubs: Hub[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

export const alice: Subject = { id: 'alice', role: 'agent', name: 'alice' };
// Written conversations resolve without a disposition here (the machine's tests cover a required one).
const queue = { ...supportQueue, dispositionRequired: false };

/** An outbound that records what it sends, answers with ids `out-1`, `out-2`…, or fails while `failing`. */
export function recordingOutbound() {
  const sent: OutboundMessage[] = [];
  const outbound: ChannelOutbound & { sent: OutboundMessage[]; failing: boolean } = {
    sent,
    failing: false,
    async send(message) {
      if (outbound.failing) throw new Error('SMTP 550 mailbox unavailable');
      sent.push(message);
      return { externalId: `<out-${sent.length}@shop.example>` };
    },
  };
  return outbound;
}

export function setup(
  storage: HubStorage = createMemoryStorage(),
  agent: Partial<Agent> = {},
  options: {
    readonly withEmail?: boolean;
    readonly clock?: TestClock;
    readonly others?: readonly Agent[];
    /** Where customer records live (absent: none, as in a hub without a server). */
    readonly customers?: CustomerDirectory;
    /** More addresses of the support queue, e.g. an SMS number. */
    readonly addresses?: readonly string[];
  } = {},
) {
  // A restart is a second setup on the same storage and clock.
  const clock = options.clock ?? createTestClock();
  const email = recordingOutbound();
  const outbound = options.withEmail === false ? {} : { email };
  const hub = createHub({
    queues: [queue],
    agents: [testAgent('alice', agent), ...(options.others ?? [])],
    authenticate: devAuthenticate,
    clock,
    storage,
    channels: {
      addresses: Object.fromEntries(
        ['Support@Shop.example', ...(options.addresses ?? [])].map((a) => [a, queue.id]),
      ),
      outbound,
    },
    ...(options.customers ? { customers: options.customers } : {}),
  });
  hubs.push(hub);
  // Alice is connected and available, so routing offers her what comes in.
  const frames: ServerFrame[] = [];
  const connection = hub.connect({ send: (raw) => frames.push(JSON.parse(raw) as ServerFrame), close() {} });
  connection.receive(JSON.stringify({ t: 'hello', v: 1, token: 'dev:agent:alice:alice' }));
  return { hub, clock, email, storage, frames };
}

let next = 0;
export function mail(overrides: Partial<InboundMessage> = {}): InboundMessage {
  next += 1;
  return {
    channel: 'email',
    externalId: `<in-${next}@mail.example>`,
    threadKey: '<root-1@mail.example>',
    from: { address: 'Ann@Example.com', name: 'Ann' },
    to: 'support@shop.example',
    subject: 'Where is my order?',
    text: 'Hello, my order 4711 has not arrived.',
    receivedAt: Date.UTC(2026, 0, 5, 9, 0, 0),
    ...overrides,
  };
}

export async function available(hub: Hub) {
  await hub.execute(alice, 'presence.set', { status: 'available' });
  await flush();
}
