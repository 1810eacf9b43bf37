import type { AttachmentRef, ChatMessage } from '@helpline/core';
import { LIMITS, phaseOf, renderToDom, tokenize } from '@helpline/core';
import { html, nothing, type TemplateResult } from 'lit';
import { localize } from '../config/site-config';
import type { PanelContext } from '../panel/context';
import { alertFor } from '../panel/form';
import { standingText } from '../panel/standing';
import { isFinished } from '../panel/widget.model';

// Rendered message bodies by key: the safe renderer runs once per message text, and Lit re-inserts the same
// node on every render instead of rebuilding it.
const bodies = new Map<string, { readonly text: string; readonly node: HTMLElement }>();

function messageBody(message: ChatMessage): HTMLElement {
  const cached = bodies.get(message.key);
  if (cached && cached.text === message.text) return cached.node;
  const node = document.createElement('div');
  node.setAttribute('part', 'text');
  // Each message keeps its own direction (English in an Arabic panel and vice versa).
  node.dir = 'auto';
  // The panel holds the tokenizer anyway: formatted at once, where `renderMessage` would load it on first use.
  node.append(renderToDom(tokenize(message.text)));
  bodies.set(message.key, { text: message.text, node });
  return node;
}

let attachments: typeof import('../attachments/attachments.view') | undefined;

/**
 * The attachment UI (the file picker, drop and paste, upload progress, refusals, files in messages) is a chunk of its
 * own, loaded once a chat that takes files shows its composer, on the attach button, or when a message with files
 * arrives. `files`: upload these; `undefined`: open the file picker; `null`: only load.
 */
function attachFiles(ctx: PanelContext, files?: FileList | null): void {
  import('../attachments/attachments.view').then((loaded) => {
    attachments = loaded;
    loaded.attach(ctx, files);
  }, ctx.model.fail);
}

function renderFiles(ctx: PanelContext, files: readonly AttachmentRef[]): TemplateResult | undefined {
  if (!attachments) attachFiles(ctx, null);
  return attachments?.renderFiles(ctx, files);
}

/** The start screen: greeting (or "closed"), the topic menu and the other ways to get in touch. */
export function renderHome(ctx: PanelContext): TemplateResult {
  const { model, i18n, config } = ctx;
  const closed = model.$closed.get();
  const channels = config.channels ?? {};
  const busy = model.$busy.get();
  const topics = config.topics ?? [];
  const chatOpen = !closed && channels.chat !== false;
  return html`
    ${
      closed
        ? html`<h3>${i18n.t('closedTitle')}</h3>
          <p>${i18n.t('closedText')}</p>`
        : html`<p>${i18n.t('greeting')}</p>`
    }
    ${
      chatOpen && topics.length > 0
        ? html`<nav aria-labelledby="topics-label">
          <p id="topics-label" class="muted">${i18n.t('topicsLabel')}</p>
          <ul part="topics">
            ${topics.map(
              (topic) =>
                html`<li>
                  <button part="topic" ?disabled=${busy} @click=${() => model.chooseTopic(topic.id)}>
                    ${localize(topic.label, i18n.locale)}
                  </button>
                </li>`,
            )}
          </ul>
        </nav>`
        : nothing
    }
    <ul part="actions">
      ${
        chatOpen && topics.length === 0
          ? html`<li>
            <button part="button start-chat" class="primary" ?disabled=${busy} @click=${() => model.beginChat()}>
              ${i18n.t('startChat')}
            </button>
          </li>`
          : nothing
      }
      ${
        channels.callback
          ? html`<li>
            <button part="button request-callback" @click=${() => model.navigate('callback')}>
              ${i18n.t('requestCallback')}
            </button>
          </li>`
          : nothing
      }
      ${
        channels.voice && ctx.voice && !closed
          ? html`<li><button part="button call" @click=${() => model.navigate('call')}>${i18n.t('callUs')}</button></li>`
          : nothing
      }
      ${
        closed && ctx.config.voicemail
          ? html`<li>
            <button part="button leave-voicemail" @click=${() => model.navigate('voicemail')}>
              ${i18n.t('voicemailLeave')}
            </button>
          </li>`
          : nothing
      }
      ${
        closed || channels.offlineMessage
          ? html`<li>
            <button part="button leave-message" @click=${() => model.navigate('offline')}>
              ${i18n.t('leaveMessage')}
            </button>
          </li>`
          : nothing
      }
    </ul>
    ${alertFor(model.$error.get(), i18n)}
  `;
}

function agentName(ctx: PanelContext): string | undefined {
  const interaction = ctx.model.session.$interaction.get();
  const agent = interaction?.participants.find((p) => p.role === 'agent' && p.leftAt === undefined);
  return agent?.displayName;
}

/** Queue position and wait, agent name, or typing: one polite live region. */
function renderStatus(ctx: PanelContext): TemplateResult {
  const { model, i18n } = ctx;
  const interaction = model.session.$interaction.get();
  const phase = interaction && phaseOf(interaction.channel, interaction.state);
  let text = '';
  if (phase === 'intake' || phase === 'waiting' || phase === 'offered') {
    text = standingText(ctx);
  } else if (phase === 'handling') {
    const name = agentName(ctx);
    text = name ? i18n.t('chattingWith', { name }) : '';
  }
  return html`<p part="status queue" role="status">${text}</p>`;
}

function renderMessageItem(ctx: PanelContext, message: ChatMessage, isLastOwn: boolean): TemplateResult {
  const { i18n, model } = ctx;
  const mine = message.from.role === 'visitor';
  const meta = [
    i18n.formatTime(message.at),
    message.status === 'sending'
      ? i18n.t('sending')
      : message.status === 'failed'
        ? i18n.t('notSent')
        : isLastOwn && model.session.$readByAgent.get()
          ? i18n.t('read')
          : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return html`<div part=${mine ? 'message message-visitor' : 'message message-agent'}>
    <span part="author">${mine ? i18n.t('you') : message.from.name}</span>
    ${messageBody(message)}
    ${message.attachments?.length ? renderFiles(ctx, message.attachments) : nothing}
    <span part="meta">${meta}</span>
  </div>`;
}

function renderComposer(ctx: PanelContext): TemplateResult {
  const { model, i18n } = ctx;
  const error = model.$error.get();
  // Drop and paste are handled by the attachment chunk: it loads as soon as the composer of such a chat shows.
  if (ctx.uploads && !attachments) attachFiles(ctx, null);
  const send = (form: HTMLFormElement) => {
    const input = form.elements.namedItem('message') as HTMLTextAreaElement;
    if (model.send(input.value)) input.value = '';
    ctx.requestUpdate();
  };
  const onKeydown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send((event.currentTarget as HTMLTextAreaElement).form as HTMLFormElement);
    }
  };
  const onInput = (event: InputEvent) => {
    const input = event.currentTarget as HTMLTextAreaElement;
    model.typing(input.value.length > 0);
    const counter = input.form?.querySelector('[part~="counter"]');
    if (counter) {
      const left = LIMITS.text - input.value.length;
      counter.textContent = left < 200 ? i18n.t('charactersLeft', { count: left }) : '';
    }
  };
  return html`<form
    part="composer"
    novalidate
    @submit=${(event: SubmitEvent) => {
      event.preventDefault();
      ctx.state.logScrolledBack = false;
      send(event.currentTarget as HTMLFormElement);
    }}
  >
    ${
      ctx.uploads
        ? html`<button type="button" part="attach" aria-label=${i18n.t('attach')} @click=${() => attachFiles(ctx)}>${attachments?.paperclip}</button>`
        : nothing
    }
    <div class="grow">
      ${attachments?.renderUploads(ctx)}
      <label for="message" class="visually-hidden">${i18n.t('messageLabel')}</label>
      <textarea
        id="message"
        name="message"
        rows="1"
        data-initial-focus
        placeholder=${i18n.t('messageLabel')}
        aria-invalid=${error?.key === 'errorEmptyMessage' || error?.key === 'errorMessageTooLong' ? 'true' : 'false'}
        aria-describedby="form-error counter"
        @keydown=${onKeydown}
        @input=${onInput}
      ></textarea>
      <p id="counter" part="counter" class="hint" aria-live="polite"></p>
      ${alertFor(error, i18n)}
    </div>
    <button part="send">${i18n.t('send')}</button>
  </form>`;
}

/**
 * "End chat". Before anyone answered, it asks first (a visitor who gives up waiting may have clicked it for
 * "close the panel"): the question, then "Yes, end chat" or "Keep waiting". Focus stays on "End chat".
 */
function renderEndChat(ctx: PanelContext): TemplateResult {
  const { model, i18n, state } = ctx;
  const busy = model.$busy.get();
  const answered = model.session.$interaction.get()?.participants.some((p) => p.role === 'agent') ?? false;
  const asking = !answered && state.confirmingEnd === true;
  const ask = (asking: boolean) => {
    state.confirmingEnd = asking;
    ctx.requestUpdate();
  };
  return html`<div part="footer">
    <button
      part="button end-chat"
      ?disabled=${busy}
      aria-expanded=${answered ? nothing : String(asking)}
      aria-controls=${answered ? nothing : 'end-confirm'}
      @click=${() => (answered ? model.endChat() : ask(!asking))}
    >
      ${i18n.t('endChat')}
    </button>
    <div id="end-confirm" part="end-confirm" role="status">
      ${
        asking
          ? html`<p>${i18n.t('endChatUnanswered')}</p>
            <div class="row">
              <button part="button keep-waiting" @click=${() => ask(false)}>${i18n.t('keepWaiting')}</button>
              <button
                part="button confirm-end"
                class="primary"
                ?disabled=${busy}
                @click=${() => {
                  state.confirmingEnd = false;
                  return model.endChat();
                }}
              >
                ${i18n.t('endChatConfirm')}
              </button>
            </div>`
          : nothing
      }
    </div>
  </div>`;
}

/**
 * The conversation: status, messages, typing, then the composer — or, once it ended, what `ended` renders
 * (CSAT and transcript, a separate chunk the panel loads when the chat ends).
 */
export function renderChat(ctx: PanelContext, ended: (ctx: PanelContext) => TemplateResult): TemplateResult {
  const { model, i18n } = ctx;
  const messages = model.session.$messages.get();
  const finished = isFinished(model.session.$interaction.get());
  let lastOwn: string | undefined;
  for (const message of messages)
    if (message.from.role === 'visitor' && message.seq !== undefined) lastOwn = message.key;
  const typingName = model.session.$agentTyping.get() ? agentName(ctx) : undefined;
  // Whether the visitor scrolled the log back from its end (within a few pixels); a log without layout (the panel
  // closed) says nothing.
  const scrolled = ({ currentTarget: log }: Event) => {
    const { scrollHeight, scrollTop, clientHeight } = log as HTMLElement;
    if (clientHeight) ctx.state.logScrolledBack = scrollHeight - scrollTop - clientHeight > 24;
  };
  return html`
    ${renderStatus(ctx)}
    <div part="messages" role="log" aria-label=${i18n.t('messagesLabel')} tabindex="0" @scroll=${scrolled}>
      ${messages.map((message) => renderMessageItem(ctx, message, message.key === lastOwn))}
    </div>
    <p part="status typing" role="status">
      ${model.session.$agentTyping.get() ? (typingName ? i18n.t('typing', { name: typingName }) : i18n.t('agentTyping')) : nothing}
    </p>
    ${
      finished
        ? ended(ctx)
        : html`${renderComposer(ctx)}
          ${ctx.email?.render(ctx)}
          ${renderEndChat(ctx)}`
    }
  `;
}

/** Drops cached message bodies of other conversations. */
export function forgetMessageBodies(keep: readonly ChatMessage[]): void {
  const keys = new Set(keep.map((message) => message.key));
  for (const key of bodies.keys()) if (!keys.has(key)) bodies.delete(key);
}
