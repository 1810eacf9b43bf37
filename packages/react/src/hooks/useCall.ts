'use client';
import { type VoiceFlags, type VoiceState, voiceFlags } from '@helpline/core';
import { useHelpline } from '../context/HelplineContext';
import type { CallController, CallView } from '../voice/call.types';
import { type ButtonProps, buttonProps } from './buttonProps';
import { type ActionState, useAction } from './useAction';
import { constantStore, useStore } from './useStore';

/** No call: the softphone shows its idle state. */
export interface IdleCall {
  readonly state: 'idle';
  readonly call: undefined;
  readonly flags: undefined;
}

/** A call in progress (or in wrap-up). */
export interface LiveCall {
  readonly state: VoiceState;
  readonly call: CallView;
  /** Voice machine flags: `canHold`, `canMute`, `isReconnecting`… */
  readonly flags: VoiceFlags;
}

/** What `useCall()` returns: the call (or `idle`), the controller's actions, and props getters. */
export type CallState = (IdleCall | LiveCall) &
  Omit<ActionState, 'run'> & {
    /** True when a voice controller is configured. */
    readonly available: boolean;
    /** Runs one controller action (`'answer'`, `'hold'`…), recording pending/error. */
    perform(action: CallAction, digits?: string): Promise<unknown>;
    /** Mute toggle: `aria-pressed` reflects the muted state. */
    getMuteProps(props?: ButtonProps): ButtonProps;
    /** Hold toggle: `aria-pressed` reflects the held state. */
    getHoldProps(props?: ButtonProps): ButtonProps;
    getHangUpProps(props?: ButtonProps): ButtonProps;
  };

/** The controller actions a softphone button can trigger. */
export type CallAction =
  | 'answer'
  | 'reject'
  | 'hangUp'
  | 'hold'
  | 'resume'
  | 'mute'
  | 'unmute'
  | 'sendDigits';

const noCall = constantStore(undefined);

/**
 * The agent's current call from the provider's voice controller, or the `idle` state when there is none.
 *
 * @example
 * ```tsx
 * const call = useCall();
 * if (call.state === 'idle') return <p>No call</p>;
 * <button {...call.getMuteProps()}>{call.call.snapshot.context.muted ? 'Unmute' : 'Mute'}</button>
 * ```
 */
export function useCall(): CallState {
  const controller: CallController | undefined = useHelpline().voice;
  const call = useStore(controller?.$call ?? noCall);
  const { run, ...action } = useAction();
  const flags = call && voiceFlags(call.snapshot);
  const perform = (name: CallAction, digits = '') => run(async () => controller?.[name](digits));
  const press = (name: CallAction, pressed: boolean | undefined, enabled: unknown) => (props?: ButtonProps) =>
    buttonProps(() => perform(name), { 'aria-pressed': pressed, disabled: !enabled }, props);
  return {
    state: call?.snapshot.value ?? 'idle',
    call,
    flags,
    ...action,
    available: !!controller,
    perform,
    getMuteProps: press(flags?.canUnmute ? 'unmute' : 'mute', !!flags?.canUnmute, flags?.canHangUp),
    getHoldProps: press(flags?.isHeld ? 'resume' : 'hold', !!flags?.isHeld, flags?.canHold || flags?.isHeld),
    getHangUpProps: press('hangUp', undefined, flags?.canHangUp),
  } as CallState;
}
