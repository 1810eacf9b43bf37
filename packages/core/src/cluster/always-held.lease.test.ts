import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import { createAlwaysHeldLease } from './always-held.lease';

const isStaleEpoch = (error: unknown) => isHelplineError(error) && error.code === 'cluster/stale-epoch';

describe('createAlwaysHeldLease', () => {
  it('is won with epoch 1 on the first acquire, and stays held', async () => {
    const lease = createAlwaysHeldLease();
    const won: number[] = [];
    lease.onWon((epoch) => won.push(epoch));
    assert.equal(lease.name, 'router');
    assert.equal(lease.held, false);
    assert.equal(lease.epoch, undefined);
    assert.equal(await lease.acquire(), true);
    assert.equal(await lease.acquire(), true);
    assert.deepEqual(won, [1], 'won once');
    assert.equal(lease.held, true);
    assert.equal(lease.epoch, 1);
    await lease.fence({});
  });

  it('refuses to fence before acquire and after close, with cluster/stale-epoch', async () => {
    const lease = createAlwaysHeldLease({ name: 'timers' });
    await assert.rejects(lease.fence({}), isStaleEpoch);
    await lease.acquire();
    await lease.close();
    assert.equal(lease.held, false);
    await assert.rejects(lease.fence({}), (error) => {
      assert.ok(isStaleEpoch(error));
      assert.match((error as Error).message, /timers lease \(closed\)/);
      return true;
    });
    assert.equal(await lease.acquire(), false, 'a closed lease is not won again');
  });

  it('reports a won handler that throws and still calls the others', async () => {
    const failures: string[] = [];
    const lease = createAlwaysHeldLease({ reportFailure: (what) => failures.push(what) });
    const won: number[] = [];
    lease.onWon(() => {
      throw new Error('boom');
    });
    lease.onWon((epoch) => won.push(epoch));
    await lease.acquire();
    assert.deepEqual(won, [1]);
    assert.deepEqual(failures, ['lease router won handler']);
  });
});
