/// <reference types="mocha" />
import type { AgentSession, VisitorSession } from '@helpline/core';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import {
  acceptChat,
  adoptStyles,
  assertAccessible,
  cleanup,
  createWorld,
  mount,
  type World,
  waitForUi,
} from '../testing/harness';
import { AgentConsole } from './AgentConsole';

/** The column tracks a grid lays out (`grid-template-columns` as computed: one length per track). */
function tracks(element: Element | null): number {
  assert.isNotNull(element);
  return getComputedStyle(element as Element).gridTemplateColumns.split(' ').length;
}

/** Elements wider than the room they are in: what a reader would have to scroll sideways for. */
function overflowing(root: HTMLElement): string[] {
  const right = root.getBoundingClientRect().right + 0.5;
  return [...root.querySelectorAll<HTMLElement>('*')]
    .filter((element) => element.getBoundingClientRect().right > right)
    .map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
}

describe('<AgentConsole> layout', () => {
  let world: World;
  let agent: AgentSession;
  let visitor: VisitorSession;

  before(adoptStyles);

  beforeEach(async () => {
    world = createWorld();
    agent = world.agent();
    visitor = world.visitor();
    await act(async () => {
      await agent.setPresence('available');
    });
  });

  afterEach(() => {
    cleanup();
    world.close();
  });

  /** The console with a live chat, in a host column `width` px wide (a CRM's column, a phone). */
  async function consoleAt(width: number): Promise<HTMLElement> {
    const { container } = mount(
      <HelplineProvider agent={agent}>
        <AgentConsole />
      </HelplineProvider>,
    );
    container.classList.add(`layout-${width}`);
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(`.layout-${width} { width: ${width}px; }`);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    await acceptChat(agent, visitor, { queueId: 'support', prechat: { name: 'Noor de Vries' } });
    await waitForUi(() => container.querySelector('.helpline-customer') !== null, 'the customer card');
    return container;
  }

  it('puts the inbox, the conversation and the customer side by side in a wide column', async () => {
    const container = await consoleAt(1100);
    assert.strictEqual(tracks(container.querySelector('.helpline-console__body')), 3);
    assert.deepEqual(overflowing(container), []);
  });

  it('stacks everything in one column on a 360 px phone, with nothing wider than the screen', async () => {
    const container = await consoleAt(360);
    assert.strictEqual(tracks(container.querySelector('.helpline-console__body')), 1);
    assert.deepEqual(overflowing(container), []);
    await assertAccessible(container);
  });
});
