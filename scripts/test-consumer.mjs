// `npm run test:consumer`: build, then the consumer check alone (scripts/lib/consumer-check.mjs), ending with
// `N passed, N failed` like `npm test`. `--no-build` checks the packages as they are in dist.
import { runConsumerCheck } from './lib/consumer-check.mjs';
import { announce, bin, runCommand, Tally } from './lib/run.mjs';

const tally = new Tally();
const built = process.argv.includes('--no-build')
  ? true
  : await tally.step('build', 'check', async () => {
      announce('build', 'rollup -c rollup.config.mjs');
      return (await runCommand(bin('rollup'), ['-c', 'rollup.config.mjs'])) === 0;
    });
if (built) await tally.step('consumer check', 'tests', () => runConsumerCheck());
process.exitCode = tally.finish();
