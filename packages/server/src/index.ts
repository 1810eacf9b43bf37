/**
 * `@helpline/server`: the Helpline reference server and its `helpline` command line.
 *
 * @packageDocumentation
 */
export { CliExit, type CliIo, runCli, serverVersion } from './cli/cli';
