import type { HistoryReports } from '../metrics/history.reports';
import { helplineError } from '../protocol/errors';
import { authorizeRole } from './access';
import type { CommandHandlers } from './dispatch';

/** What `report.run` needs from the hub: the server's reports over stored history, when it has a database. */
export interface ReportsHubDeps {
  readonly reports?: HistoryReports | undefined;
}

/**
 * Creates the `report.run` command (docs/reports.md): supervisors' reports over the stored history. A hub without
 * reports (no database) refuses it (`conflict/state`); the live board (`supervisor.snapshot`) works either way.
 *
 * @example
 * ```ts
 * const { handlers } = createReportsHub({ reports: createSqlReports(storage.sql) });
 * ```
 */
export function createReportsHub(deps: ReportsHubDeps): { readonly handlers: CommandHandlers<'report.run'> } {
  return {
    handlers: {
      async 'report.run'(caller, args) {
        authorizeRole(caller.subject, 'report.run', 'run reports');
        if (!deps.reports)
          throw helplineError('conflict/state', {
            operation: 'run reports',
            entity: 'server',
            state: 'running without stored history',
          });
        const result = await deps.reports.run(args);
        return {
          ...result,
          figures: result.figures.map((row) => ({ ...row })),
          volume: result.volume.map((cell) => ({ ...cell })),
          problems: result.problems.map((row) => ({ ...row })),
        };
      },
    },
  };
}
