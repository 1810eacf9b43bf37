import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { ClusterBus } from '@helpline/core/cluster';
import { WebSocket } from 'ws';
import { createSharedBus } from './engine.testing';
import {
  checkHandshake,
  PEER_HEADER,
  type PeerBus,
  type PeerTopics,
  peerHandshake,
  withPeerLinks,
} from './peer.links';

type Topics = { readonly note: { readonly i: number } };

const until = async (check: () => boolean, what: string, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** The shared in-process bus, slowed down: the database's way is slower than a link, which is what order is about. */
function slowed<T extends Topics & PeerTopics>(bus: ClusterBus<T>, delayMs: number): ClusterBus<T> {
  return {
    ...bus,
    get connected() {
      return bus.connected;
    },
    publish(kind, payload, to) {
      setTimeout(() => bus.publish(kind, payload, to), delayMs);
    },
    subscribe: (handler) => bus.subscribe(handler),
    onReconnect: (handler) => bus.onReconnect(handler),
    flush: () => bus.flush(),
    close: () => bus.close(),
  };
}

const servers: Server[] = [];
const opened: PeerBus<Topics>[] = [];
after(async () => {
  await Promise.all(opened.map((bus) => bus.close()));
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

/** Instances on one slow shared bus, each taking links on an HTTP server of its own. */
async function deployment(names: readonly string[], key = randomBytes(32)) {
  const shared = createSharedBus<Topics & PeerTopics>();
  const urls = new Map<string, string>();
  const buses = new Map<string, PeerBus<Topics>>();
  const accepted = new Map<string, Duplex[]>();
  for (const name of names) {
    const bus = withPeerLinks<Topics>(slowed(shared.join(name), 20), {
      key,
      locate: async (id) => urls.get(id),
      retryMs: 50,
      reportFailure: () => {},
    });
    const server = createServer();
    server.on('upgrade', (request, socket, head) => {
      accepted.set(name, [...(accepted.get(name) ?? []), socket]);
      bus.accept(request, socket, head);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls.set(name, `ws://127.0.0.1:${(server.address() as AddressInfo).port}/cluster/peer`);
    buses.set(name, bus);
    opened.push(bus);
  }
  /** Breaks every link into `name`, as a network fault would. */
  const cut = (name: string) => {
    for (const socket of accepted.get(name) ?? []) socket.destroy();
  };
  return { buses, urls, key, cut };
}

function received(bus: PeerBus<Topics>) {
  const notes: { i: number; origin: string }[] = [];
  bus.subscribe((message) => {
    if (message.kind === 'note') notes.push({ i: message.payload.i, origin: message.origin });
  });
  return notes;
}

describe('direct links between instances', () => {
  it('carries what is for one other instance, in the order published across the switch from the database', async () => {
    const { buses } = await deployment(['a', 'b']);
    const a = buses.get('a') as PeerBus<Topics>;
    const b = buses.get('b') as PeerBus<Topics>;
    const notes = received(b);
    let sent = 0;
    // Publish steadily while the link opens: the first go through the (slow) database, the rest on the link.
    while (a.links.out === 0 || sent < 200) {
      a.publish('note', { i: sent++ }, { instances: ['b'] });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => notes.length === sent, `${sent} notes`);
    assert.deepEqual(
      notes.map((note) => note.i),
      Array.from({ length: sent }, (_, i) => i),
    );
    assert.ok(notes.every((note) => note.origin === 'a'));
    assert.equal(b.links.in, 1);
  });

  it('sends what is for several instances, or for subjects, through the database', async () => {
    const { buses } = await deployment(['a', 'b', 'c']);
    const a = buses.get('a') as PeerBus<Topics>;
    const atB = received(buses.get('b') as PeerBus<Topics>);
    const atC = received(buses.get('c') as PeerBus<Topics>);
    a.publish('note', { i: 1 }, { instances: ['b', 'c'] });
    a.publish('note', { i: 2 }, {});
    a.publish('note', { i: 3 }, { instances: ['b'], subjects: ['v1'] });
    await until(() => atB.length === 3 && atC.length === 2, 'every note');
    assert.equal(a.links.out, 0, 'no link was needed');
  });

  it('refuses a link not signed with the deployment key, and one for another instance', async () => {
    const { urls, key } = await deployment(['a', 'b']);
    const refused = (headers: Record<string, string>) =>
      new Promise<number | undefined>((resolve) => {
        const socket = new WebSocket(urls.get('b') as string, { headers });
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode));
        socket.on('open', () => resolve(undefined));
        socket.on('error', () => resolve(-1));
      });
    const now = Date.now();
    assert.equal(await refused({}), 403);
    assert.equal(await refused({ [PEER_HEADER]: peerHandshake(randomBytes(32), 'x', 'b', 'l1', now) }), 403);
    assert.equal(await refused({ [PEER_HEADER]: peerHandshake(key, 'x', 'c', 'l2', now) }), 403);
    assert.equal(await refused({ [PEER_HEADER]: peerHandshake(key, 'x', 'b', 'l3', now - 120_000) }), 403);
    assert.equal(await refused({ [PEER_HEADER]: peerHandshake(key, 'x', 'b', 'l4', now) }), undefined);
    // The same handshake again (a replay) is refused while its link is open.
    assert.equal(await refused({ [PEER_HEADER]: peerHandshake(key, 'x', 'b', 'l4', now) }), 403);
  });

  it('checks handshakes: signature, target, time and shape', () => {
    const key = randomBytes(32);
    const now = 1_000_000;
    const header = peerHandshake(key, 'a', 'b', 'link1', now);
    assert.deepEqual(checkHandshake(key, header, 'b', now + 1_000), { origin: 'a', link: 'link1' });
    assert.deepEqual(checkHandshake(key, header, 'c', now), { refused: 'bad signature' });
    assert.deepEqual(checkHandshake(key, header, 'b', now + 31_000), { refused: 'handshake too old' });
    assert.deepEqual(checkHandshake(key, undefined, 'b', now), { refused: 'no handshake' });
    assert.deepEqual(checkHandshake(key, header.replace('v1.a', 'v1.a.b'), 'b', now), {
      refused: 'no handshake',
    });
    assert.deepEqual(checkHandshake(key, header.replace('.a.', '.a!.'), 'b', now), {
      refused: 'malformed handshake',
    });
  });

  it('tries a link whose first handshake failed again on a timer, though nothing more is published', async () => {
    const { buses, urls } = await deployment(['a', 'b']);
    const a = buses.get('a') as PeerBus<Topics>;
    const notes = received(buses.get('b') as PeerBus<Topics>);
    const real = urls.get('b') as string;
    // b's first handshake fails (nothing listens where a looks for it), as under load or while b starts.
    urls.set('b', 'ws://127.0.0.1:1/cluster/peer');
    a.publish('note', { i: 0 }, { instances: ['b'] });
    await until(() => notes.length === 1, 'the note, through the database');
    urls.set('b', real);
    // No more notes: the link opens on its own, on the retry timer (50 ms here, then doubling).
    await until(() => a.links.out === 1, 'a link opened on the timer', 5_000);
    a.publish('note', { i: 1 }, { instances: ['b'] });
    await until(() => notes.length === 2, 'the next note, on the link');
  });

  it('goes on through the database when a link breaks, and opens a new one', async () => {
    const { buses, cut } = await deployment(['a', 'b']);
    const a = buses.get('a') as PeerBus<Topics>;
    const notes = received(buses.get('b') as PeerBus<Topics>);
    a.publish('note', { i: 0 }, { instances: ['b'] });
    await until(() => a.links.out === 1, 'a link');
    cut('b');
    await until(() => a.links.out === 0, 'the link noticed broken');
    // Sent from now on: through the database until a new link opens, then on it — all of it, in order.
    const after = () => notes.filter((note) => note.i >= 1_000).map((note) => note.i);
    let sent = 0;
    while (a.links.out === 0 || sent < 100) {
      a.publish('note', { i: 1_000 + sent++ }, { instances: ['b'] });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => after().length >= sent, `${sent} notes after the break`, 20_000);
    assert.deepEqual(
      after(),
      Array.from({ length: sent }, (_, i) => 1_000 + i),
    );
  });
});
