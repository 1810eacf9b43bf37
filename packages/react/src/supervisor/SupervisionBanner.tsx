'use client';
import type { ReactNode } from 'react';
import { useClient } from '../context/HelplineContext';
import { useStore } from '../hooks/useStore';
import { useTranslator } from '../i18n/translator';

const MODE_TEXT = {
  monitoring: 'supervisionAgentMonitoring',
  whispering: 'supervisionAgentWhispering',
  barging: 'supervisionAgentBarging',
} as const;

/**
 * Tells the agent, for one interaction, that a supervisor is on it (only when the server tells agents:
 * `monitoring.notifyAgent`, by default for whispering and barging) and shows the supervisor's private notes. Nothing
 * of it is ever shown to the customer.
 *
 * @example
 * ```tsx
 * <SupervisionBanner cid={cid} />
 * ```
 */
export function SupervisionBanner({ cid }: { readonly cid: string }): ReactNode {
  const { t } = useTranslator();
  const session = useClient('agent');
  const legs = useStore(session.supervision.$legs);
  const notes = useStore(session.supervision.$notes)[cid] ?? [];
  const shown = Object.values(legs).filter(
    (leg) => leg.cid === cid && leg.agentNotified && leg.state !== 'idle' && leg.state !== 'ended',
  );
  if (shown.length === 0 && notes.length === 0) return null;
  return (
    <section className="helpline-supervision-banner" aria-live="polite">
      {shown.map((leg) => (
        <p key={leg.legId} data-mode={leg.state}>
          {t(MODE_TEXT[leg.state as keyof typeof MODE_TEXT])}
        </p>
      ))}
      {notes.length > 0 && (
        <ul aria-label={t('supervisionNoteFrom')}>
          {notes.map((note) => (
            <li key={note.id}>{note.text}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
