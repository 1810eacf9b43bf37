/** Fired (bubbling, composed, cancelable) when the visitor asks to open or close the widget. */
export class HelplineToggleEvent extends Event {
  /** The event's type, `helpline-toggle`. */
  static readonly type = 'helpline-toggle';

  /** Whether the widget is about to open (`true`) or close (`false`). */
  readonly open: boolean;

  constructor(open: boolean) {
    super(HelplineToggleEvent.type, { bubbles: true, composed: true, cancelable: true });
    this.open = open;
  }
}

declare global {
  interface HTMLElementEventMap {
    'helpline-toggle': HelplineToggleEvent;
  }
  // The event bubbles and is composed, so host pages listen on document too.
  interface DocumentEventMap {
    'helpline-toggle': HelplineToggleEvent;
  }
  interface HTMLElementTagNameMap {
    'helpline-widget': HelplineWidgetElement;
  }
}

// Server-side rendering and Node imports have no HTMLElement; the class must still be definable there.
const BaseElement: typeof HTMLElement = globalThis.HTMLElement ?? (class {} as unknown as typeof HTMLElement);

/**
 * `<helpline-widget>`: the launcher button a visitor clicks to open or close the chat.
 *
 * @summary The tiny, framework-free loader that every page of a host site carries.
 * @csspart launcher - The launcher button.
 * @slot - The launcher's visible content (default: "Chat").
 * @fires helpline-toggle - {@link HelplineToggleEvent}; cancel it to keep the current state.
 * @attr open - Present while the widget is open.
 */
export class HelplineWidgetElement extends BaseElement {
  /** The tag name {@link defineHelplineWidget} registers by default. */
  static readonly tagName = 'helpline-widget';

  static get observedAttributes(): string[] {
    return ['open'];
  }

  readonly #launcher: HTMLButtonElement;

  constructor() {
    super();
    const launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.part.add('launcher');
    const label = document.createElement('slot');
    label.textContent = 'Chat';
    launcher.append(label);
    launcher.addEventListener('click', () => this.toggle());
    this.#launcher = launcher;
    this.#syncLauncher();
    this.attachShadow({ mode: 'open' }).append(launcher);
  }

  /** Whether the widget is open; reflects the `open` attribute. */
  get open(): boolean {
    return this.hasAttribute('open');
  }

  set open(value: boolean) {
    this.toggleAttribute('open', value);
  }

  /**
   * Opens or closes the widget as the visitor would: fires {@link HelplineToggleEvent} first and changes
   * nothing if a listener cancels it. Returns whether the widget is open afterwards.
   */
  toggle(): boolean {
    const next = !this.open;
    if (this.dispatchEvent(new HelplineToggleEvent(next))) this.open = next;
    return this.open;
  }

  attributeChangedCallback(): void {
    this.#syncLauncher();
  }

  #syncLauncher(): void {
    this.#launcher.setAttribute('aria-expanded', String(this.open));
    this.#launcher.setAttribute('aria-label', this.open ? 'Close chat' : 'Open chat');
  }
}

/**
 * Registers `<helpline-widget>` (or `tagName`) unless that tag is already taken, so a host page that loads
 * the widget twice does not throw. Returns the constructor registered under the tag.
 *
 * @example
 * ```ts
 * import { defineHelplineWidget } from '@helpline/widget';
 * defineHelplineWidget();
 * document.body.append(document.createElement('helpline-widget'));
 * ```
 */
export function defineHelplineWidget(
  tagName: string = HelplineWidgetElement.tagName,
  registry: CustomElementRegistry = customElements,
): CustomElementConstructor {
  const existing = registry.get(tagName);
  if (existing) return existing;
  // Each tag needs its own class: the registry rejects one constructor under two names.
  const element =
    tagName === HelplineWidgetElement.tagName
      ? HelplineWidgetElement
      : class extends HelplineWidgetElement {};
  registry.define(tagName, element);
  return element;
}
