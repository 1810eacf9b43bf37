/// <reference types="mocha" />
import type { AgentSession } from '@helpline/core';
import { assert } from 'chai';
import { act, Component, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { useAgent } from '../hooks/useAgent';
import { HelplineProvider, useHelpline, useMaybeHelpline } from './HelplineContext';
import type { HelplineClients } from './helpline.types';

declare global {
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

function Probe({ onValue }: { onValue: (value: HelplineClients) => void }): ReactNode {
  onValue(useHelpline());
  return null;
}

function MaybeProbe({ onValue }: { onValue: (value: HelplineClients | undefined) => void }): ReactNode {
  onValue(useMaybeHelpline());
  return null;
}

function AgentProbe(): ReactNode {
  useAgent();
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
          <Probe onValue={() => {}} />
        </CatchError>,
      ),
    );
    assert.instanceOf(caught, Error);
    assert.match((caught as Error).message, /no <HelplineProvider> above this component/);
  });

  it('a session hook names the missing session when the provider lacks it', () => {
    let caught: unknown;
    act(() =>
      root.render(
        <HelplineProvider locale="nl">
          <CatchError onError={(error) => (caught = error)}>
            <AgentProbe />
          </CatchError>
        </HelplineProvider>,
      ),
    );
    assert.match((caught as Error).message, /no agent in <HelplineProvider>/);
  });

  it('provides its sessions and configuration, and the nearest provider wins', () => {
    const outerAgent = { name: 'outer' } as unknown as AgentSession;
    const innerAgent = { name: 'inner' } as unknown as AgentSession;
    const seen: HelplineClients[] = [];
    act(() =>
      root.render(
        <HelplineProvider agent={outerAgent} locale="nl">
          <Probe onValue={(value) => seen.push(value)} />
          <HelplineProvider agent={innerAgent}>
            <Probe onValue={(value) => seen.push(value)} />
          </HelplineProvider>
        </HelplineProvider>,
      ),
    );
    assert.strictEqual(seen[0]?.agent, outerAgent);
    assert.strictEqual(seen[0]?.locale, 'nl');
    assert.strictEqual(seen[1]?.agent, innerAgent);
    assert.strictEqual(seen[1]?.locale, undefined);
  });

  it('keeps the same context value while its props stay the same, and a new one when one changes', () => {
    const agent = { name: 'a' } as unknown as AgentSession;
    const seen: HelplineClients[] = [];
    const record = (value: HelplineClients) => seen.push(value);
    act(() =>
      root.render(
        <HelplineProvider agent={agent} locale="en">
          <Probe onValue={record} />
        </HelplineProvider>,
      ),
    );
    act(() =>
      root.render(
        <HelplineProvider agent={agent} locale="en">
          <Probe onValue={record} />
        </HelplineProvider>,
      ),
    );
    act(() =>
      root.render(
        <HelplineProvider agent={agent} locale="de">
          <Probe onValue={record} />
        </HelplineProvider>,
      ),
    );
    assert.strictEqual(seen[1], seen[0]);
    assert.notStrictEqual(seen[2], seen[1]);
    assert.strictEqual(seen[2]?.locale, 'de');
  });

  it('useMaybeHelpline returns undefined outside a provider and the value inside', () => {
    const agent = { name: 'a' } as unknown as AgentSession;
    const seen: (HelplineClients | undefined)[] = [];
    const record = (value: HelplineClients | undefined) => seen.push(value);
    act(() =>
      root.render(
        <>
          <MaybeProbe onValue={record} />
          <HelplineProvider agent={agent}>
            <MaybeProbe onValue={record} />
          </HelplineProvider>
        </>,
      ),
    );
    assert.strictEqual(seen.length, 2);
    assert.strictEqual(seen[0], undefined);
    assert.strictEqual(seen[1]?.agent, agent);
  });
});
