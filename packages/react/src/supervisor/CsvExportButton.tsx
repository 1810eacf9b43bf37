'use client';
import type { ReactNode } from 'react';
import { ErrorText } from '../components/shared';
import { useAction } from '../hooks/useAction';
import { useTranslator } from '../i18n/translator';
import { useSupervisorSession } from './useSupervisorSession';

/** Props of {@link CsvExportButton}. */
export interface CsvExportButtonProps {
  /** Receives the CSV instead of the default download. */
  readonly onExport?: (csv: string) => void;
  /** Name of the downloaded file. Default `helpline-report-<YYYY-MM-DD>.csv`. */
  readonly fileName?: string | undefined;
  /** What to export; default the session's board (`exportCsv`). `<ReportsPanel>` passes the report shown. */
  readonly source?: (() => string | Promise<string>) | undefined;
}

/** Offers `csv` as a file download (an object URL on a temporary link; no inline script or HTML). */
export function downloadCsv(csv: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * Exports today's report from the supervisor session (or `source`) as a CSV file.
 *
 * @example
 * ```tsx
 * <CsvExportButton fileName="today.csv" />
 * ```
 */
export function CsvExportButton({ onExport, fileName, source }: CsvExportButtonProps): ReactNode {
  const i18n = useTranslator();
  const session = useSupervisorSession();
  const action = useAction();
  return (
    <div className="helpline-export">
      <button
        type="button"
        className="helpline-button"
        disabled={action.pending}
        onClick={() =>
          void action.run(async () => {
            const csv = await (source ? source() : session.exportCsv());
            if (onExport) onExport(csv);
            else downloadCsv(csv, fileName ?? `helpline-report-${new Date().toISOString().slice(0, 10)}.csv`);
          })
        }
      >
        {i18n.t('exportCsv')}
      </button>
      <ErrorText error={action.error} i18n={i18n} />
    </div>
  );
}
