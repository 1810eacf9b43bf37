// `npm run test:node`: only the Node tests (HELPLINE_TEST_FILTER=<substring> narrows the files).
import { runNodeTests } from './lib/node-tests.mjs';
import { Tally } from './lib/run.mjs';
import { isEmailTest, nodeTestFiles, testFilter } from './lib/test-files.mjs';

const tally = new Tally();
// Real mail servers for the email tests (scripts/ensure-mail.mjs); without them those tests skip saying why.
if (nodeTestFiles().some(isEmailTest)) {
  await tally.step('mail servers', 'setup', async () =>
    (await import('./ensure-mail.mjs')).prepareMailForTests(),
  );
}
await tally.step('node tests', 'tests', () =>
  runNodeTests(nodeTestFiles(), { requireFiles: Boolean(testFilter()) }),
);
process.exitCode = tally.finish();
