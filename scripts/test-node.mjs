// `npm run test:node`: only the Node tests (HELPLINE_TEST_FILTER=<substring> narrows the files).
import { runNodeTests } from './lib/node-tests.mjs';
import { Tally } from './lib/run.mjs';
import { nodeTestFiles, testFilter } from './lib/test-files.mjs';

const tally = new Tally();
await tally.step('node tests', 'tests', () =>
  runNodeTests(nodeTestFiles(), { requireFiles: Boolean(testFilter()) }),
);
process.exitCode = tally.finish();
