'use client';
import type { VoiceState, WireInteraction } from '@helpline/core';
import { type KeyboardEvent, type ReactNode, useId, useState } from 'react';
import { useHelpline } from '../context/HelplineContext';
import { useCall } from '../hooks/useCall';
import { useNow } from '../hooks/useNow';
import { constantStore, useStore } from '../hooks/useStore';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import { Icon } from './icons';
import { KeyHint, useShortcutProps } from './KeyboardShortcuts';
import { cx, ErrorText, initials } from './shared';

const STATE_TEXT: Record<VoiceState, MessageKey> = {
  dialing: 'callStateDialing',
  ringing: 'callStateRinging',
  connecting: 'callStateConnecting',
  active: 'callStateActive',
  held: 'callStateHeld',
  consulting: 'callStateConsulting',
  conferenced: 'callStateConferenced',
  'wrap-up': 'callStateWrapUp',
  ended: 'callStateEnded',
};

const NO_DIAL = constantStore(undefined);
const NO_INTERACTIONS = constantStore<Readonly<Record<string, WireInteraction>>>({});

const BADGE_TEXT: Record<VoiceState, MessageKey> = {
  dialing: 'callBadgeDialing',
  ringing: 'callBadgeRinging',
  connecting: 'callBadgeConnecting',
  active: 'callBadgeActive',
  held: 'callBadgeHeld',
  consulting: 'callBadgeConsulting',
  conferenced: 'callBadgeConferenced',
  'wrap-up': 'callBadgeWrapUp',
  ended: 'callBadgeEnded',
};

const KEYPAD = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
const DIGIT_KEYS = new Set<string>(KEYPAD);
/** A call that is over: once its interaction is done (wrap-up finished), the softphone is idle again. */
const OVER: ReadonlySet<VoiceState> = new Set(['wrap-up', 'ended']);

/** Props of {@link Softphone}. */
export interface SoftphoneProps {
  /** Shows a Transfer button that calls this (open a `TransferForm` for the call's interaction). */
  readonly onTransfer?: () => void;
  readonly className?: string | undefined;
}

/**
 * The softphone: who is on the line, the call's state from core's voice machine (ringing, connecting, on the
 * call, on hold, wrap-up) announced politely, its duration, media health, and answer / decline, mute, hold,
 * keypad (DTMF; digits can be typed while it is open), transfer and hang up. Media is the voice controller's job:
 * the provider's `voice` (`<AgentConsole>` gives it the agent session's own call session, `agent.$calls`). A console
 * that takes no calls says so.
 *
 * @example
 * ```tsx
 * const calls = useStore(agent.$calls); // created when the server offers browser voice
 * <HelplineProvider agent={agent} voice={calls}>
 *   <Softphone onTransfer={() => setTransferring(true)} />
 * </HelplineProvider>
 * ```
 */
export function Softphone({ onTransfer, className }: SoftphoneProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const call = useCall();
  const { agent, voice: controller } = useHelpline();
  const now = useNow();
  const id = useId();
  const [keypadOpen, setKeypadOpen] = useState(false);
  const [sent, setSent] = useState<{ readonly cid: string | undefined; readonly digits: string }>({
    cid: undefined,
    digits: '',
  });
  const hangUpShortcut = useShortcutProps('hangUp');
  const muteShortcut = useShortcutProps('mute');
  const dialled = useStore(agent?.$dial ?? NO_DIAL);
  const interactions = useStore(agent?.$interactions ?? NO_INTERACTIONS);
  // The agent's interaction of the call: it names the other party when the call session does not (a number the
  // agent dialled, a call attached after a reload); once it is gone, the work is finished.
  const cid = call.call?.cid;
  const interaction = cid === undefined ? undefined : interactions[cid];
  const finished =
    agent !== undefined && cid !== undefined && OVER.has(call.state as VoiceState) && !interaction;

  if (call.state === 'idle' || finished) {
    const ready = call.available || agent?.takesCalls === true;
    return (
      <section
        className={cx('helpline-softphone', className)}
        aria-labelledby={`${id}-title`}
        data-state="idle"
      >
        <div className="helpline-softphone__header">
          <h2 className="helpline-softphone__title" id={`${id}-title`}>
            {t('phoneTitle')}
          </h2>
        </div>
        <p className="helpline-empty">{t(ready ? 'callIdle' : 'callUnavailable')}</p>
        <ErrorText error={call.error} i18n={i18n} />
      </section>
    );
  }

  const { flags } = call;
  const view = call.call;
  const { context } = view.snapshot;
  const remoteName = view.remoteName ?? (interaction?.customer.name?.trim() || undefined);
  const name = remoteName ?? t('customerFallbackName');
  // A call this side placed rings at the other end: "Ringing Noor…", not "Incoming call from Noor".
  const outbound = call.state === 'ringing' && context.direction === 'outbound';
  const answeredAt = context.timestamps.answeredAt;
  const digitsSent = sent.cid === view.cid ? sent.digits : '';
  const ringingHere = flags.canAnswer;
  const heldByOther = flags.isHeld && context.heldBy !== undefined && context.heldBy !== 'agent';
  const sendDigit = (digit: string) => {
    setSent({ cid: view.cid, digits: `${digitsSent}${digit}`.slice(-32) });
    void call.perform('sendDigits', digit);
  };
  const onKeypadKey = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (DIGIT_KEYS.has(event.key)) {
      event.preventDefault();
      sendDigit(event.key);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setKeypadOpen(false);
    }
  };

  return (
    <section
      className={cx('helpline-softphone', className)}
      aria-labelledby={`${id}-title`}
      data-state={call.state}
      data-media={context.media}
    >
      <div className="helpline-softphone__header">
        <h2 className="helpline-softphone__title" id={`${id}-title`}>
          {t('phoneTitle')}
        </h2>
        <span className="helpline-softphone__badge" data-state={call.state} aria-hidden="true">
          {t(outbound ? 'callBadgeRingingOut' : BADGE_TEXT[call.state])}
        </span>
      </div>
      <div className="helpline-softphone__party">
        <span className="helpline-softphone__avatar" aria-hidden="true">
          {(remoteName && initials(remoteName)) || <Icon name="answer" />}
        </span>
        <div className="helpline-softphone__who">
          <p className="helpline-softphone__name">{name}</p>
          <p className="helpline-softphone__status" role="status">
            {t(outbound ? 'callStateRingingOut' : STATE_TEXT[call.state], { name })}
          </p>
        </div>
        {answeredAt !== undefined && flags.isOnCall && (
          <p className="helpline-softphone__duration">
            <span className="helpline-visually-hidden">
              {t('callDuration', { duration: i18n.duration((now - answeredAt) / 1000) })}
            </span>
            <span className="helpline-softphone__timer" aria-hidden="true">
              {i18n.duration((now - answeredAt) / 1000)}
            </span>
          </p>
        )}
      </div>
      {dialled?.status === 'placed' && dialled.simulated && dialled.cid === view.cid && (
        <p className="helpline-softphone__simulated" data-simulated="true">
          {t('callSimulatedLine')}
        </p>
      )}
      {flags.isReconnecting && (
        <p className="helpline-softphone__media" role="status">
          {t('callReconnecting')}
        </p>
      )}
      {flags.mediaFailed && (
        <p className="helpline-error" role="alert">
          {t('callMediaFailed')}
        </p>
      )}
      {heldByOther && <p className="helpline-softphone__note">{t('callHeldByCustomer')}</p>}
      {view.audioBlocked && controller?.resumeAudio && (
        <div className="helpline-softphone__sound" role="alert">
          <p>{t('callSoundBlocked')}</p>
          <button
            type="button"
            className="helpline-button helpline-button--primary"
            onClick={() => void controller.resumeAudio?.()}
          >
            <Icon name="sound" /> {t('callSoundOn')}
          </button>
        </div>
      )}
      {ringingHere ? (
        // biome-ignore lint/a11y/useSemanticElements: a toolbar of buttons, not a form fieldset
        <div className="helpline-softphone__ring" role="group" aria-label={t('callControls')}>
          <button
            type="button"
            className="helpline-button helpline-softphone__answer"
            disabled={call.pending}
            onClick={() => void call.perform('answer')}
          >
            <Icon name="answer" /> {t('answer')}
          </button>
          {flags.canReject && (
            <button
              type="button"
              className="helpline-button helpline-softphone__decline"
              disabled={call.pending}
              onClick={() => void call.perform('reject')}
            >
              <Icon name="hangUp" /> {t('reject')}
            </button>
          )}
        </div>
      ) : (
        (flags.isOnCall || flags.canHangUp) && (
          // biome-ignore lint/a11y/useSemanticElements: a toolbar of buttons, not a form fieldset
          <div className="helpline-softphone__controls" role="group" aria-label={t('callControls')}>
            {flags.isOnCall && (
              <>
                <button {...call.getMuteProps({ className: 'helpline-softphone__control', ...muteShortcut })}>
                  <Icon name="mute" />
                  <span>
                    {t('mute')} <KeyHint action="mute" />
                  </span>
                </button>
                <button
                  {...call.getHoldProps({
                    className: 'helpline-softphone__control',
                    ...(heldByOther ? { disabled: true } : {}),
                  })}
                >
                  <Icon name="hold" />
                  <span>{t('hold')}</span>
                </button>
                <button
                  type="button"
                  className="helpline-softphone__control"
                  aria-expanded={keypadOpen}
                  aria-controls={`${id}-keypad`}
                  onClick={() => setKeypadOpen((open) => !open)}
                >
                  <Icon name="keypad" />
                  <span>{t('keypad')}</span>
                </button>
                {onTransfer && (
                  <button type="button" className="helpline-softphone__control" onClick={onTransfer}>
                    <Icon name="transfer" />
                    <span>{t('transfer')}</span>
                  </button>
                )}
              </>
            )}
            {flags.canHangUp && (
              <button
                {...call.getHangUpProps({
                  className: 'helpline-button helpline-softphone__hangup',
                  ...hangUpShortcut,
                })}
              >
                <Icon name="hangUp" /> {t('hangUp')} <KeyHint action="hangUp" />
              </button>
            )}
          </div>
        )
      )}
      {keypadOpen && flags.isOnCall && (
        // biome-ignore lint/a11y/useSemanticElements: a grid of buttons, not a form fieldset
        <div
          className="helpline-keypad"
          id={`${id}-keypad`}
          role="group"
          aria-label={t('keypad')}
          onKeyDown={onKeypadKey}
        >
          {KEYPAD.map((digit) => (
            <button
              key={digit}
              type="button"
              className="helpline-keypad__key"
              aria-label={t('keypadDigit', { digit })}
              onClick={() => sendDigit(digit)}
            >
              {digit}
            </button>
          ))}
        </div>
      )}
      {(digitsSent || view.digitsReceived) && (
        <p className="helpline-softphone__digits">
          {digitsSent && <span>{t('callDigitsSent', { digits: digitsSent })}</span>}
          {view.digitsReceived && <span>{t('callDigitsReceived', { digits: view.digitsReceived })}</span>}
        </p>
      )}
      <ErrorText error={call.error} i18n={i18n} />
    </section>
  );
}
