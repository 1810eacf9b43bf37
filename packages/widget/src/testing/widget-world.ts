// Test and demo harness: an in-process hub (core's memory transport), an agent session, and a mounted
// <helpline-widget> connected to it. Browser tests, the CSP host page and the bench use it. Not exported by
// the package. Tests of what the server refuses embed the widget against msw's mock instead (embed-world.ts).
import type { AttachmentClaims, SurveyPolicy } from '@helpline/core';
import {
  type ChannelOutbound,
  createHub,
  createMemoryTransport,
  devAuthenticate,
  type Hub,
  type MemoryTransport,
} from '@helpline/core/hub';
import { type AgentSession, createAgentSession } from '@helpline/core/session';
import { supportQueue, testAgent, waitFor } from '@helpline/core/testing';
import type { SiteConfig } from '../config/site-config';
import { continueByEmail } from '../email/email.offer';
import { defineHelplineWidget, type HelplineWidgetElement } from '../index';
import type { WidgetAttachmentOptions } from '../loader/settings';
import { createFakeVoice, type FakeVoice } from './fake-voice';

/** Options of {@link createWidgetWorld}. */
export interface WidgetWorldOptions {
  readonly config?: SiteConfig;
  readonly lang?: string;
  readonly theme?: 'light' | 'dark';
  /** Visitor token (default `dev:visitor:v1:Ada`). */
  readonly token?: string;
  /** Reuse the hub of an earlier world (a "reload" of the same page). */
  readonly hub?: Hub;
  /** Agent display name (default Alice). */
  readonly agentName?: string;
  /** The survey of the world's queue (default: the queue's default, CSAT only). */
  readonly survey?: SurveyPolicy;
  /** The fake voice engine starts (and ends) real voice interactions in the hub (see `createFakeVoice`). */
  readonly voiceInteractions?: boolean;
  /** Upload settings of the widget's connection (a fake `fetch` for the HTTP routes). */
  readonly attachments?: WidgetAttachmentOptions;
  /** How the hub claims the attachments messages name (the server's store does this for real). */
  readonly claims?: AttachmentClaims;
  /** Mail goes out through this outbound: the widget offers "Get replies by email". */
  readonly email?: ChannelOutbound;
}

/** A hub, an agent and a widget on the page. */
export interface WidgetWorld {
  readonly hub: Hub;
  readonly transport: MemoryTransport;
  readonly agent: AgentSession;
  readonly widget: HelplineWidgetElement;
  readonly voice: FakeVoice;
  /** The launcher button. */
  launcher(): HTMLButtonElement;
  /** The panel's shadow root, once mounted. */
  panel(): ShadowRoot;
  /** An element in the panel, or a failing assertion. */
  $<E extends Element = HTMLElement>(selector: string): E;
  /** Whether an element is in the panel. */
  has(selector: string): boolean;
  /** Opens the widget and waits until the panel shows its start screen. */
  open(): Promise<void>;
  /** Waits until the panel's text contains `text`. */
  waitForText(text: string): Promise<void>;
  /** Removes the widget and closes everything (the hub too, unless it was passed in). */
  close(): void;
}

/**
 * Mounts a widget connected to an in-process hub with one available agent.
 *
 * @example
 * ```ts
 * const world = await createWidgetWorld({ config: { topics } });
 * await world.open();
 * ```
 */
export async function createWidgetWorld(options: WidgetWorldOptions = {}): Promise<WidgetWorld> {
  defineHelplineWidget();
  const hub =
    options.hub ??
    createHub({
      queues: [options.survey ? { ...supportQueue, survey: options.survey } : supportQueue],
      agents: [
        testAgent('alice', {
          displayName: options.agentName ?? 'Alice',
          languages: ['en', 'nl', 'ar', 'zh', 'zh-Hant', 'zh-Hans'],
        }),
      ],
      authenticate: devAuthenticate,
      ...(options.claims ? { attachments: options.claims } : {}),
      ...(options.email
        ? {
            channels: {
              addresses: { 'support@shop.example': supportQueue.id },
              outbound: { email: options.email },
            },
          }
        : {}),
    });
  const transport = createMemoryTransport({ hub });
  const agent = createAgentSession({ transport, token: `dev:agent:alice:${options.agentName ?? 'Alice'}` });
  if (hub.presenceOf('alice')?.value !== 'available') await agent.setPresence('available');
  const voice = createFakeVoice({ startsInteraction: options.voiceInteractions === true });
  const widget = document.createElement('helpline-widget');
  if (options.lang) widget.setAttribute('lang', options.lang);
  if (options.theme) widget.setAttribute('theme', options.theme);
  widget.connect({
    transport,
    token: options.token ?? 'dev:visitor:v1:Ada',
    voice: async () => voice,
    ...(options.config ? { config: options.config } : {}),
    ...(options.attachments ? { attachments: options.attachments } : {}),
    ...(options.email ? { email: continueByEmail() } : {}),
  });
  document.body.append(widget);

  const panel = (): ShadowRoot => {
    const root = widget.shadowRoot?.querySelector('helpline-panel')?.shadowRoot;
    if (!root) throw new Error('the panel is not mounted');
    return root;
  };
  const world: WidgetWorld = {
    hub,
    transport,
    agent,
    widget,
    voice,
    launcher() {
      const launcher = widget.shadowRoot?.querySelector<HTMLButtonElement>('button[part~="launcher"]');
      if (!launcher) throw new Error('no launcher');
      return launcher;
    },
    panel,
    $<E extends Element>(selector: string): E {
      const element = panel().querySelector<E>(selector);
      if (!element) throw new Error(`no ${selector} in the panel:\n${panel().textContent}`);
      return element;
    },
    has(selector) {
      return widget.shadowRoot?.querySelector('helpline-panel')?.shadowRoot?.querySelector(selector) != null;
    },
    async open() {
      world.launcher().click();
      await waitFor(() => world.has('[part~="panel"] [part~="body"] p'), 'the panel renders');
      await waitFor(() => !(panel().textContent ?? '').includes('Loading'), 'the panel is connected');
    },
    async waitForText(text) {
      await waitFor(
        () =>
          (widget.shadowRoot?.querySelector('helpline-panel')?.shadowRoot?.textContent ?? '').includes(text),
        `"${text}" in the panel`,
      );
    },
    close() {
      widget.remove();
      agent.close();
      if (!options.hub) hub.close();
      try {
        localStorage.removeItem('helpline:active');
      } catch {
        // No storage in this context.
      }
    },
  };
  return world;
}

/** Types into a field and fires `input`, as a visitor would. */
export function type(field: HTMLInputElement | HTMLTextAreaElement, text: string): void {
  field.value = text;
  field.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
}

/** Submits a form as the visitor pressing its submit button would. */
export function submit(form: HTMLFormElement): void {
  form.requestSubmit();
}
