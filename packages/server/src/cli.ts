// The `helpline` bin: rollup adds the `#!/usr/bin/env node` line when it builds dist/cli.js.
import { runCli } from './cli/cli';

process.exitCode = await runCli(process.argv.slice(2));
