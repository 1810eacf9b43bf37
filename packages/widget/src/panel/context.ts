import type { VoiceLoader, WidgetCall } from '../call/call.types';
import type { SiteConfig } from '../config/site-config';
import type { Translator } from '../i18n/i18n';
import type { EmailOffer, WidgetConnectOptions } from '../loader/settings';
import type { WidgetModel } from './widget.model';

/** View-local state the panel keeps between renders (the model holds everything else). */
export interface PanelState {
  /** Callback timing chosen in the form. */
  slotMode: 'asap' | 'slot';
  /** The callback request as submitted, for the confirmation. */
  lastCallback?: { readonly phone: string; readonly slot: number | 'asap' };
  /** The call in progress, once placed. */
  call?: WidgetCall;
  /** The voice engine is loading or the call is being placed. */
  calling?: boolean;
  /** "End chat" was clicked before anyone answered: the panel asks whether to end it anyway. */
  confirmingEnd?: boolean;
  /** Score picked in the CSAT form. */
  score?: 1 | 2 | 3 | 4 | 5;
  /** Answer picked in the NPS form (0–10). */
  nps?: number;
  /** After a reload: the live call of this voice interaction is being taken over. */
  reattaching?: string;
  /** The waiting call (its interaction id) the visitor chose to leave a voicemail instead of. */
  voicemailFrom?: string;
  /** A re-render is due when the waiting call may go to voicemail. */
  voicemailTimer?: ReturnType<typeof setTimeout>;
  /** After a reload: what became of the call of voice interaction `cid` that could not be taken over here. */
  reattached?: { readonly cid: string; readonly outcome: 'ended' | 'elsewhere' };
  /**
   * The visitor scrolled the message log back from its end to read: what arrives then does not pull it away. Their
   * own message, or opening the panel, brings it back to the end.
   */
  logScrolledBack?: boolean;
}

/** What every view renders from. */
export interface PanelContext {
  readonly model: WidgetModel;
  readonly i18n: Translator;
  readonly config: SiteConfig;
  readonly voice: VoiceLoader | undefined;
  readonly state: PanelState;
  /** The connection, when it takes attachments (`attachments` set); absent: no attach button. */
  readonly uploads: WidgetConnectOptions | undefined;
  /** "Get replies by email", when the connection offers it. */
  readonly email: EmailOffer | undefined;
  /** Re-renders the panel after view-local state changed. */
  requestUpdate(): void;
}
