// What the tests of Vonage calls across restarts and takeovers share: the stored call as its row says, and a phone
// call brought to the point where an agent talks on it. Test-only.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { Hub } from '@helpline/core/hub';
import type { SqlQueryable } from '../storage/sql.client';
import type { TestClient } from '../testing/harness';
import type { StoredVonageCall } from './vonage.calls';
import type { FakeVonageApi } from './vonage.fake-api';

/** The application's RSA key pair: the server signs its API calls with the private half, the fake checks them. */
export function vonageTestKeys(): { readonly privateKey: string; readonly publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

/** The gateway's stored call of interaction `cid`, as its row in `vonage_calls` says. */
export async function storedVonageCall(
  sql: SqlQueryable,
  cid: string,
): Promise<StoredVonageCall | undefined> {
  const rows = await sql.query<{ record: StoredVonageCall }>(
    'SELECT record FROM vonage_calls WHERE cid = $1',
    [cid],
  );
  return rows[0]?.record;
}

/** Resolves once `check` resolves true, asking every 20 ms; rejects naming `what` after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Where {@link talkingPhoneCall} runs: the fake API, a server's webhooks, hub and database, an agent's console. */
export interface PhoneCallScene {
  readonly api: FakeVonageApi;
  /** Posts a signed webhook to the server the call reaches; resolves with the HTTP status. */
  readonly webhook: (path: string, body: object) => Promise<number>;
  /** The hub the call waits in (the leader's). */
  readonly hub: Pick<Hub, 'interactions'>;
  /** The database the gateway stores its calls in. */
  readonly sql: SqlQueryable;
  /** The agent's console, connected (to any instance). */
  readonly console: TestClient;
}

/**
 * A phone call from `from` to `to` (Vonage's digits, no `+`), on leg `callerLeg`: answered, waiting, offered to the
 * console's agent, accepted; the agent's app leg placed and answered. Resolves once the gateway stored the call as
 * talked on, with its interaction's id and the agent's leg.
 */
export async function talkingPhoneCall(
  scene: PhoneCallScene,
  call: { readonly callerLeg: string; readonly from: string; readonly to: string },
): Promise<{ readonly cid: string; readonly agentLeg: string }> {
  const { api, webhook, console } = scene;
  assert.equal(
    await webhook('/vonage/webhooks/answer', { uuid: call.callerLeg, from: call.from, to: call.to }),
    200,
  );
  api.setLegStatus(call.callerLeg, 'answered');
  const cid =
    scene.hub
      .interactions()
      .find((candidate) => candidate.channel === 'voice' && candidate.customer.phone === `+${call.from}`)
      ?.id ?? '';
  assert.ok(cid, 'the call waits in the queue');
  await console.ok('presence.set', { status: 'available' });
  await console.waitFor(
    (frame) =>
      frame.t === 'notice' && frame.notice.type === 'offer' && frame.notice.offer.interaction.id === cid,
    'the offer',
  );
  await console.ok('offer.accept', { cid });
  const ring = await api.next(
    (request) =>
      request.method === 'POST' &&
      request.path === '/v1/calls' &&
      JSON.stringify(request.body.ncco).includes(`hl-${call.callerLeg}`),
    "the agent's app leg",
  );
  const agentLeg = ring.uuid as string;
  api.setLegStatus(agentLeg, 'answered');
  assert.equal(
    await webhook(`/vonage/webhooks/event?cid=${cid}&leg=agent`, { uuid: agentLeg, status: 'answered' }),
    204,
  );
  await console.waitFor(
    (frame) =>
      frame.t === 'notice' &&
      frame.notice.type === 'call' &&
      frame.notice.call.cid === cid &&
      frame.notice.call.state === 'active',
    'the call active',
  );
  // Stored once the webhook's work is done: the row has the answered agent leg.
  await eventually(
    async () => (await storedVonageCall(scene.sql, cid))?.agentAnswered === true,
    'the call stored',
  );
  return { cid, agentLeg };
}
