/// <reference types="mocha" />
import { assert } from 'chai';
import { act, Component, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { HelplineProvider, useHelpline, useMaybeHelpline } from './HelplineContext';

declare global {
  // React reads this global to know that updates are wrapped in act().
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

class CatchError extends Component<
  { onError: (error: unknown) => void; children: ReactNode },
  { failed: boolean }
> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override componentDidCatch(error: unknown): void {
    this.props.onError(error);
  }
  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}

interface Session {
  name: string;
}

/** Renders the name of the session from useHelpline() and hands the session to `onClient`. */
function ClientName({ onClient }: { onClient?: (client: Session) => void }): ReactNode {
  const client = useHelpline<Session>();
  onClient?.(client);
  return client.name;
}

function MaybeClient({ onClient }: { onClient: (client: Session | undefined) => void }): ReactNode {
  onClient(useMaybeHelpline<Session>());
  return null;
}

describe('HelplineProvider / useHelpline', () => {
  let container: HTMLElement;
  let root: Root;

  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
    // Errors are caught by CatchError; keep React from also reporting them to the console.
    root = createRoot(container, { onCaughtError: () => {} });
  });

  afterEach(() => {
    act(() => root.unmount());
    container.remove();
  });

  it('useHelpline throws a clear error outside a provider', () => {
    let caught: unknown;
    act(() =>
      root.render(
        <CatchError onError={(error) => (caught = error)}>
          <ClientName />
        </CatchError>,
      ),
    );
    assert.instanceOf(caught, Error);
    assert.match((caught as Error).message, /useHelpline\(\) was called outside a <HelplineProvider>/);
    assert.strictEqual(container.textContent, '');
  });

  it('useHelpline returns the provided client, and the nearest provider wins', () => {
    const outer = { name: 'outer session' };
    const inner = { name: 'inner session' };
    const seen: Session[] = [];
    const record = (client: Session) => seen.push(client);
    act(() =>
      root.render(
        <HelplineProvider value={outer}>
          <ClientName onClient={record} />|
          <HelplineProvider value={inner}>
            <ClientName onClient={record} />
          </HelplineProvider>
        </HelplineProvider>,
      ),
    );
    assert.strictEqual(container.textContent, 'outer session|inner session');
    assert.strictEqual(seen[0], outer);
    assert.strictEqual(seen[1], inner);
  });

  it('useMaybeHelpline returns undefined outside a provider and the client inside', () => {
    const session = { name: 'session' };
    const seen: (Session | undefined)[] = [];
    const record = (client: Session | undefined) => seen.push(client);
    act(() =>
      root.render(
        <>
          <MaybeClient onClient={record} />
          <HelplineProvider value={session}>
            <MaybeClient onClient={record} />
          </HelplineProvider>
        </>,
      ),
    );
    assert.strictEqual(seen.length, 2);
    assert.strictEqual(seen[0], undefined);
    assert.strictEqual(seen[1], session);
  });
});
