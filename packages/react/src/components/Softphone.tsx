'use client';
import type { VoiceState } from '@helpline/core';
import { type ReactNode, useId, useState } from 'react';
import { useCall } from '../hooks/useCall';
import { useNow } from '../hooks/useNow';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import { KeyHint, useShortcutProps } from './KeyboardShortcuts';
import { cx, ErrorText } from './shared';

const STATE_TEXT: Record<VoiceState, MessageKey> = {
  dialing: 'callStateDialing',
  ringing: 'callStateRinging',
  connecting: 'callStateConnecting',
  active: 'callStateActive',
  held: 'callStateHeld',
  'wrap-up': 'callStateWrapUp',
  ended: 'callStateEnded',
};

const KEYPAD = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

/** Props of {@link Softphone}. */
export interface SoftphoneProps {
  /** Shows a Transfer button that calls this (open a `TransferForm` for the call's interaction). */
  readonly onTransfer?: () => void;
  readonly className?: string;
}

/**
 * The softphone: the call's state from core's voice machine (ringing, connecting, active, held, wrap-up),
 * media health, and answer / decline / hold / mute / keypad / transfer / hang up. Media itself is the voice
 * controller's job; without one it says voice is not set up.
 *
 * @example
 * ```tsx
 * <HelplineProvider agent={agent} voice={voiceController}>
 *   <Softphone onTransfer={() => setTransferring(true)} />
 * </HelplineProvider>
 * ```
 */
export function Softphone({ onTransfer, className }: SoftphoneProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const call = useCall();
  const now = useNow();
  const id = useId();
  const [keypadOpen, setKeypadOpen] = useState(false);
  const hangUpShortcut = useShortcutProps('hangUp');
  const muteShortcut = useShortcutProps('mute');

  return (
    <section
      className={cx('helpline-softphone', className)}
      aria-labelledby={`${id}-title`}
      data-state={call.state}
    >
      <h2 className="helpline-softphone__title" id={`${id}-title`}>
        {t('phoneTitle')}
      </h2>
      {call.state === 'idle' ? (
        <p className="helpline-empty">{t(call.available ? 'callIdle' : 'callUnavailable')}</p>
      ) : (
        <>
          <p className="helpline-softphone__status" role="status">
            {t(STATE_TEXT[call.state], { name: call.call.remoteName ?? t('customerFallbackName') })}
          </p>
          {call.call.snapshot.context.timestamps.answeredAt !== undefined && call.flags.isOnCall && (
            <p className="helpline-softphone__duration">
              {t('callDuration', {
                duration: i18n.duration((now - call.call.snapshot.context.timestamps.answeredAt) / 1000),
              })}
            </p>
          )}
          {call.flags.isReconnecting && (
            <p className="helpline-softphone__media" role="status">
              {t('callReconnecting')}
            </p>
          )}
          {call.flags.mediaFailed && (
            <p className="helpline-error" role="alert">
              {t('callMediaFailed')}
            </p>
          )}
          {/* biome-ignore lint/a11y/useSemanticElements: a toolbar of buttons, not a form fieldset */}
          <div className="helpline-actions" role="group" aria-label={t('callControls')}>
            {call.flags.canAnswer && (
              <button
                type="button"
                className="helpline-button helpline-button--primary"
                disabled={call.pending}
                onClick={() => void call.perform('answer')}
              >
                {t('answer')}
              </button>
            )}
            {call.flags.canReject && (
              <button
                type="button"
                className="helpline-button"
                disabled={call.pending}
                onClick={() => void call.perform('reject')}
              >
                {t('reject')}
              </button>
            )}
            {call.flags.isOnCall && (
              <>
                <button {...call.getHoldProps({ className: 'helpline-button' })}>{t('hold')}</button>
                <button {...call.getMuteProps({ className: 'helpline-button', ...muteShortcut })}>
                  {t('mute')} <KeyHint action="mute" />
                </button>
                <button
                  type="button"
                  className="helpline-button"
                  aria-expanded={keypadOpen}
                  aria-controls={`${id}-keypad`}
                  onClick={() => setKeypadOpen((open) => !open)}
                >
                  {t('keypad')}
                </button>
                {onTransfer && (
                  <button type="button" className="helpline-button" onClick={onTransfer}>
                    {t('transfer')}
                  </button>
                )}
              </>
            )}
            {call.flags.canHangUp && (
              <button
                {...call.getHangUpProps({
                  className: 'helpline-button helpline-button--danger',
                  ...hangUpShortcut,
                })}
              >
                {t('hangUp')} <KeyHint action="hangUp" />
              </button>
            )}
          </div>
          {keypadOpen && call.flags.isOnCall && (
            // biome-ignore lint/a11y/useSemanticElements: a grid of buttons, not a form fieldset
            <div className="helpline-keypad" id={`${id}-keypad`} role="group" aria-label={t('keypad')}>
              {KEYPAD.map((digit) => (
                <button
                  key={digit}
                  type="button"
                  className="helpline-button helpline-keypad__key"
                  aria-label={t('keypadDigit', { digit })}
                  onClick={() => void call.perform('sendDigits', digit)}
                >
                  {digit}
                </button>
              ))}
            </div>
          )}
        </>
      )}
      <ErrorText error={call.error} i18n={i18n} />
    </section>
  );
}
