import type { ChatMessage } from '@helpline/core';
import type { WidgetError } from './panel/widget.model';

/** Fired (bubbling, composed) when an agent message arrives. `Helpline('on', 'message', fn)` receives it. */
export class HelplineMessageEvent extends Event {
  static readonly type = 'helpline-message';
  /** The message as plain text (markdown flattened). */
  readonly text: string;
  /** The sender's display name. */
  readonly from: string;
  /** Epoch ms. */
  readonly at: number;
  /** The message as the session holds it. */
  readonly message: ChatMessage;

  constructor(message: ChatMessage, text: string) {
    super(HelplineMessageEvent.type, { bubbles: true, composed: true });
    this.message = message;
    this.text = text;
    this.from = message.from.name;
    this.at = message.at;
  }
}

/** Fired when the number of unread agent messages changes. */
export class HelplineUnreadEvent extends Event {
  static readonly type = 'helpline-unread';
  readonly count: number;

  constructor(count: number) {
    super(HelplineUnreadEvent.type, { bubbles: true, composed: true });
    this.count = count;
  }
}

/** Fired as `helpline-chat-start` and `helpline-chat-end`. */
export class HelplineConversationEvent extends Event {
  /** The conversation id. */
  readonly cid: string;

  constructor(type: 'helpline-chat-start' | 'helpline-chat-end', cid: string) {
    super(type, { bubbles: true, composed: true });
    this.cid = cid;
  }
}

/** Fired when the visitor requested a callback. */
export class HelplineCallbackEvent extends Event {
  static readonly type = 'helpline-callback';
  readonly cid: string;
  /** E.164. */
  readonly phone: string;
  /** Slot start (epoch ms) or `asap`. */
  readonly slot: number | 'asap';

  constructor(cid: string, phone: string, slot: number | 'asap') {
    super(HelplineCallbackEvent.type, { bubbles: true, composed: true });
    this.cid = cid;
    this.phone = phone;
    this.slot = slot;
  }
}

/** Fired when an action failed; the panel shows the same message to the visitor. */
export class HelplineErrorEvent extends Event {
  static readonly type = 'helpline-error';
  /** Catalog key of the message shown (`errorRate`, `errorClosed`…). */
  readonly key: WidgetError['key'];
  /** The translated message shown. */
  readonly message: string;

  constructor(key: WidgetError['key'], message: string) {
    super(HelplineErrorEvent.type, { bubbles: true, composed: true });
    this.key = key;
    this.message = message;
  }
}

declare global {
  interface HTMLElementEventMap {
    'helpline-message': HelplineMessageEvent;
    'helpline-unread': HelplineUnreadEvent;
    'helpline-chat-start': HelplineConversationEvent;
    'helpline-chat-end': HelplineConversationEvent;
    'helpline-callback': HelplineCallbackEvent;
    'helpline-error': HelplineErrorEvent;
  }
}
