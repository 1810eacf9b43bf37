import type { PanelContext } from './context';

/**
 * The visitor's place in line while their chat or call waits ("You are number 2 in line. Estimated wait: 3
 * minutes."), from the session's queue position; "Waiting for an agent…" until the first position arrives. The
 * chat view and the call view show it the same way.
 */
export function standingText(ctx: PanelContext): string {
  const { model, i18n } = ctx;
  const standing = model.session.$position.get();
  if (!standing) return i18n.t('waiting');
  const wait =
    standing.estimatedWaitSeconds === undefined
      ? ''
      : i18n.t('estimatedWait', { wait: i18n.formatWait(standing.estimatedWaitSeconds) });
  return [i18n.t('queuePosition', { position: standing.position }), wait].filter(Boolean).join(' ');
}
