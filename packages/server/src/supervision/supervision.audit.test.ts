// The supervision audit log in SQL: entries kept newest first, by conversation — on PGlite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openStorage, type SqlStorage } from '../storage/sql.storage';
import { freshPgliteDir, postgresTarget, testPostgresUrl } from '../testing/databases';
import { createSqlSupervisionAudit } from './supervision.audit';

const targets: { name: string; open: () => Promise<SqlStorage>; drop?: () => Promise<void> }[] = [
  { name: 'PGlite', open: async () => openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() }) },
];
const available = await testPostgresUrl();
if (!('skip' in available)) {
  const target = postgresTarget(available.url);
  targets.push({ name: 'PostgreSQL', open: () => openStorage(target), drop: () => target.drop() });
}

for (const target of targets) {
  describe(`supervision audit in SQL (${target.name})`, () => {
    const opened: SqlStorage[] = [];
    after(async () => {
      for (const storage of opened) await storage.close();
      await target.drop?.();
    });

    it('keeps starts, switches, notes and ends, newest first, by conversation', async () => {
      const storage = await target.open();
      opened.push(storage);
      const audit = createSqlSupervisionAudit(storage.sql);
      const base = { legId: 'sv_1', supervisorId: 'sam', agentId: 'alice' };
      await audit.append({ ...base, cid: 'c1', action: 'start', mode: 'monitoring', at: 1 });
      await audit.append({ ...base, cid: 'c1', action: 'mode', mode: 'barging', at: 2 });
      await audit.append({ ...base, cid: 'c2', legId: 'sv_2', action: 'start', mode: 'monitoring', at: 3 });
      await audit.append({ ...base, cid: 'c1', action: 'note', at: 4 });
      await audit.append({ ...base, cid: 'c1', action: 'end', endReason: 'stopped', at: 5 });
      assert.deepEqual(await audit.list({ cid: 'c1', limit: 10 }), [
        { ...base, cid: 'c1', action: 'end', endReason: 'stopped', at: 5 },
        { ...base, cid: 'c1', action: 'note', at: 4 },
        { ...base, cid: 'c1', action: 'mode', mode: 'barging', at: 2 },
        { ...base, cid: 'c1', action: 'start', mode: 'monitoring', at: 1 },
      ]);
      assert.deepEqual(
        (await audit.list({ limit: 2 })).map((entry) => entry.at),
        [5, 4],
      );
    });
  });
}
