import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOSE_CODES } from '@helpline/core';
import type { ConnectionMeta } from '@helpline/core/hub';
import { createSharedBus, recordingHub, recordingSink } from './engine.testing';
import type { EngineTopics } from './engine.topics';
import { createRelayClient } from './relay.follower';
import { serveRelay } from './relay.leader';

// A follower keeps the sockets it relays alive itself, as a hub keeps its own: it pings them and closes one whose
// client falls silent. Pings and pongs were a quarter of the frames the instances relayed to each other (measured
// with the cluster bench's load); now none crosses, but a socket's first pong, which spends its resume token.

const META: ConnectionMeta = { ip: '127.0.0.1' };
const BEAT_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(heartbeatMs: number | undefined) {
  const shared = createSharedBus<EngineTopics>();
  const { hub, state } = recordingHub();
  serveRelay({ bus: shared.join('leader'), hub, epoch: 1 });
  const relay = createRelayClient({
    bus: shared.join('follower'),
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
  });
  const client = recordingSink();
  const connection = relay.connect({ instanceId: 'leader', epoch: 1 }, client, META);
  return { state, relay, client, connection };
}

describe('a follower keeps the sockets it relays alive', () => {
  it('pings them itself; the leader’s hub is told not to, and only the first pong crosses', async () => {
    const { state, relay, client, connection } = setup(BEAT_MS);
    await sleep(5);
    assert.equal(state.sink?.keepsAlive, true, "the leader's hub neither pings it nor drops it for silence");
    connection.receive('{"t":"hello"}');
    for (let beat = 0; beat < 4; beat++) {
      await sleep(BEAT_MS);
      const ping = client.pings.at(-1);
      if (ping)
        connection.receive(JSON.stringify({ t: 'pong', ts: (JSON.parse(ping) as { ts: number }).ts }));
    }
    await sleep(5);
    assert.ok(client.pings.length >= 3, `pinged at each beat (${client.pings.length})`);
    assert.equal((JSON.parse(client.pings[0] ?? '{}') as { t?: string }).t, 'ping');
    assert.equal(client.closed, undefined, 'a client that answers stays');
    const pongs = state.received.filter((raw) => raw.includes('"pong"'));
    assert.equal(pongs.length, 1, 'the first pong spends the resume token; the others stay here');
    assert.equal(state.received[0], '{"t":"hello"}');
    relay.close(1001, 'done');
  });

  it('closes a socket whose client left two pings unanswered, and the leader’s hub lets it go', async () => {
    const { state, relay, client } = setup(BEAT_MS);
    const deadline = Date.now() + 2_000;
    while (!client.closed && Date.now() < deadline) await sleep(BEAT_MS);
    assert.equal(client.closed?.code, CLOSE_CODES.timeout);
    const bye = JSON.parse(client.frames.at(-1) ?? '{}') as { t?: string; error?: { code?: string } };
    assert.equal(bye.t, 'bye');
    assert.equal(bye.error?.code, 'connection/timeout');
    assert.equal(client.pings.length, 2, 'two pings, then the end');
    await sleep(5);
    assert.equal(state.gone, true);
    assert.equal(relay.size, 0);
    relay.close(1001, 'done');
  });

  it('leaves it to the leader’s hub when it has no heartbeat (as a follower of an older version)', async () => {
    const { state, relay, client, connection } = setup(undefined);
    await sleep(5);
    assert.equal(state.sink?.keepsAlive, undefined);
    state.sink?.ping?.('{"t":"ping","ts":1}');
    connection.receive('{"t":"pong","ts":1}');
    connection.receive('{"t":"pong","ts":2}');
    await sleep(3 * BEAT_MS);
    assert.deepEqual(client.pings, ['{"t":"ping","ts":1}'], "the hub's ping, relayed");
    assert.equal(state.received.length, 2, 'every pong crosses');
    assert.equal(client.closed, undefined);
    relay.close(1001, 'done');
  });
});
