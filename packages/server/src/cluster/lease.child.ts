// A lease contender in a process of its own, for the test that freezes the holder (SIGSTOP). Usage:
// lease.child.ts <url> <schema> <lease name>. It prints `won <epoch>` and `lost <epoch>`; on each `write` line it
// reads, it tries a fenced insert into fenced_writes and prints `accepted` or `refused <code>`.
import { createInterface } from 'node:readline';
import { isHelplineError } from '@helpline/core';
import { openPostgres } from '../storage/sql.client';
import { createPgLease } from './pg.lease';

const [url = '', schema = '', name = ''] = process.argv.slice(2);
const sql = await openPostgres(url, { schema });
const lease = createPgLease({
  directUrl: url,
  schema,
  name,
  instanceId: 'child',
  idleSessionTimeoutMs: 1_500,
  reportFailure: () => {},
});
lease.onWon((epoch) => console.log(`won ${epoch}`));
lease.onLost((epoch) => console.log(`lost ${epoch}`));
await lease.acquire();

createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line !== 'write') return;
  try {
    await sql.transaction(async (tx) => {
      await lease.fence(tx);
      await tx.query("INSERT INTO fenced_writes (epoch, writer) VALUES ($1, 'child')", [lease.epoch]);
    });
    console.log('accepted');
  } catch (error) {
    console.log(`refused ${isHelplineError(error) ? error.code : String(error)}`);
  }
});
