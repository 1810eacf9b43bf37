/// <reference types="mocha" />
import { assert } from 'chai';
import { HelplineProvider } from '../context/HelplineContext';
import { AgentConsole } from '../prefabs/AgentConsole';
import { SupervisorBoard } from '../prefabs/SupervisorBoard';
import { CountsChart } from '../supervisor/charts';
import {
  adoptStyles,
  assertAccessible,
  cleanup,
  createWorld,
  mount,
  QUEUES,
  type World,
  waitForUi,
} from '../testing/harness';
import { consoleMessages } from './en';
import { type ConsoleLocale, loadConsoleMessages } from './locales';

describe('the console and the board in five languages', () => {
  let world: World;

  before(adoptStyles);
  beforeEach(() => {
    world = createWorld();
  });
  afterEach(() => {
    cleanup();
    world.close();
  });

  const cases: readonly [ConsoleLocale, 'ltr' | 'rtl'][] = [
    ['en', 'ltr'],
    ['nl', 'ltr'],
    ['zh-Hant', 'ltr'],
    ['zh-Hans', 'ltr'],
    ['ar', 'rtl'],
  ];
  for (const [locale, dir] of cases) {
    it(`shows ${locale} with dir=${dir}, accessible`, async () => {
      const catalog = await loadConsoleMessages(locale);
      const { container } = mount(
        <>
          <HelplineProvider agent={world.agent()} locale={locale}>
            <AgentConsole />
          </HelplineProvider>
          <HelplineProvider supervisor={world.supervisor()} locale={locale}>
            <SupervisorBoard />
          </HelplineProvider>
        </>,
      );
      const consoleRoot = () => container.querySelector('.helpline-console');
      const board = () => container.querySelector('.helpline-board');
      await waitForUi(
        () => consoleRoot()?.getAttribute('aria-label') === catalog.consoleLabel,
        `${locale} console label`,
      );
      await waitForUi(() => board()?.getAttribute('aria-label') === catalog.boardLabel, `${locale} board`);
      for (const root of [consoleRoot(), board()]) {
        assert.strictEqual(root?.getAttribute('dir'), dir);
        assert.strictEqual(root?.getAttribute('lang'), locale);
      }
      assert.include(container.textContent, catalog.inboxEmpty);
      assert.include(container.textContent, catalog.queuesTitle);
      if (locale !== 'en') assert.notInclude(container.textContent, consoleMessages.inboxEmpty);
      await assertAccessible(container);
    });
  }

  it('mirrors the layout right to left in Arabic (logical CSS)', async () => {
    const layout = async (locale: ConsoleLocale) => {
      const { container, unmount } = mount(
        <HelplineProvider agent={world.agent()} locale={locale}>
          <AgentConsole />
        </HelplineProvider>,
      );
      const header = () => container.querySelector('.helpline-console__header');
      await waitForUi(() => (header()?.children.length ?? 0) >= 2, 'header');
      const [presence, connection] = [...(header()?.children ?? [])].map((child) =>
        child.getBoundingClientRect(),
      );
      unmount();
      return { presence, connection };
    };
    const ltr = await layout('en');
    const rtl = await layout('ar');
    assert.isBelow(ltr.presence?.left ?? 0, ltr.connection?.left ?? 0, 'presence first on the left');
    assert.isAbove(rtl.presence?.left ?? 0, rtl.connection?.left ?? 0, 'presence first on the right');
  });

  it('fills bars from the start edge, the right one in Arabic', () => {
    const quarterBar = (dir: 'ltr' | 'rtl') => {
      const { container } = mount(
        <div dir={dir}>
          <CountsChart title="Topics" counts={{ billing: 1, returns: 4 }} emptyText="" />
        </div>,
      );
      // Largest first: the second bar (billing) is a quarter full.
      const bar = container.querySelectorAll('.helpline-bar')[1];
      const [track, fill] = [...(bar?.querySelectorAll('rect') ?? [])].map((rect) =>
        rect.getBoundingClientRect(),
      );
      assert.ok(track && fill);
      return { track, fill };
    };
    const ltr = quarterBar('ltr');
    assert.approximately(ltr.fill.left, ltr.track.left, 1);
    assert.isBelow(ltr.fill.right, ltr.track.right - 1);
    const rtl = quarterBar('rtl');
    assert.approximately(rtl.fill.right, rtl.track.right, 1);
    assert.isAbove(rtl.fill.left, rtl.track.left + 1);
  });

  it("shows the queue names the server translated, in the viewer's language", async () => {
    world.close();
    world = createWorld(
      QUEUES.map((queue) =>
        queue.id === 'support'
          ? { ...queue, names: { en: 'Support', nl: 'Klantenservice', ar: 'الدعم' } }
          : queue,
      ),
    );
    const { container } = mount(
      <HelplineProvider supervisor={world.supervisor()} locale="nl-BE">
        <SupervisorBoard />
      </HelplineProvider>,
    );
    const rows = () =>
      [...container.querySelectorAll('.helpline-queues tbody th')].map((th) => th.textContent);
    await waitForUi(() => rows().includes('Klantenservice'), 'the Dutch queue name');
    assert.notInclude(rows(), 'Support');
  });
});
