// The CRM example: a customer list and the embedded agent console. The user picks a demo agent; the app fetches
// a dev token for them from the server and opens an agent session over the WebSocket transport, which the tabs
// signed in as the same agent share (one socket, one ringing tab).
import { type AgentSession, createAgentSession } from '@helpline/core';
import { AgentConsole, ClickToDial, HelplineProvider } from '@helpline/react';
import '@helpline/react/styles.css';
import './crm.css';
import { type ReactNode, StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { type DemoText, demoText, LanguageSwitch, ordersText, useDemoLanguage } from '../language';
import { demoAgents, demoCustomers } from './demo-data';
import { devToken, serverTransport } from './demo-server';
import { useSiteTopics } from './site-topics';

// Kept per tab, so a reload signs the same agent back in and the conversation carries on.
const AGENT_KEY = 'helpline-demo:agent';

type DemoAgent = (typeof demoAgents)[number];

function findAgent(id: string | null): DemoAgent | undefined {
  return demoAgents.find((agent) => agent.id === id);
}

/** An agent session, and how to end it (the tab stops sharing the socket). */
interface SignedIn {
  readonly session: AgentSession;
  signOut(): void;
}

async function signIn(agent: DemoAgent): Promise<SignedIn> {
  const token = await devToken('agent', agent.id, agent.name);
  const transport = serverTransport(`agent:${agent.id}`);
  const session = createAgentSession({ transport, token });
  return {
    session,
    signOut() {
      session.close();
      transport.dispose();
    },
  };
}

function SignIn({
  onSignIn,
  error,
  text,
}: {
  onSignIn: (agent: DemoAgent) => void;
  error?: string;
  text: DemoText;
}): ReactNode {
  const [choice, setChoice] = useState<string>(demoAgents[0].id);
  return (
    <form
      className="crm-signin"
      onSubmit={(event) => {
        event.preventDefault();
        const agent = findAgent(choice);
        if (agent) onSignIn(agent);
      }}
    >
      <h2>{text.signInTitle}</h2>
      <p className="crm-hint">{text.signInHint}</p>
      <label className="crm-field">
        <span className="crm-field__label">{text.demoAgent}</span>
        <select
          className="crm-select"
          name="agent"
          value={choice}
          onChange={(event) => setChoice(event.target.value)}
        >
          {demoAgents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name} ({agent.queues})
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="crm-button crm-button--primary">
        {text.signIn}
      </button>
      {error ? (
        <p role="alert" className="crm-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** Up to two initials for an avatar ("Noor de Vries" → "NV"). */
function initials(name: string): string {
  const words = name.split(/\s+/).filter(Boolean);
  return [words[0], words.length > 1 ? words.at(-1) : undefined]
    .map((word) => word?.[0]?.toUpperCase() ?? '')
    .join('');
}

function Customers({
  language,
  session,
}: {
  language: string;
  session: AgentSession | undefined;
}): ReactNode {
  const text = demoText(language);
  const list = (
    <section className="crm-customers" aria-labelledby="crm-customers-title">
      <h2 id="crm-customers-title">{text.customers}</h2>
      {/* A list of cards, not a table: it reads the same in a 22rem column and on a 360 px phone. */}
      <ul className="crm-customer-list">
        {demoCustomers.map((customer) => (
          <li key={customer.id} className="crm-customer">
            <span className="crm-avatar" aria-hidden="true">
              {initials(customer.name)}
            </span>
            <span className="crm-customer__name">{customer.name}</span>
            <span className="crm-customer__email">{customer.email}</span>
            {/* Signed in, the number is a call button (click-to-dial); before that it is text. */}
            <span className="crm-customer__phone">
              {session ? <ClickToDial number={customer.phone} /> : customer.phone}
            </span>
            <span className="crm-customer__meta">
              {ordersText(language, customer.orders)} · {text.customerSince} {customer.since}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
  return session ? (
    <HelplineProvider agent={session} locale={language}>
      {list}
    </HelplineProvider>
  ) : (
    list
  );
}

function Crm(): ReactNode {
  const [agent, setAgent] = useState<DemoAgent | undefined>(() =>
    findAgent(sessionStorage.getItem(AGENT_KEY)),
  );
  const [session, setSession] = useState<AgentSession>();
  const [error, setError] = useState<string>();
  const [fresh, setFresh] = useState(false);
  const [language, setLanguage] = useDemoLanguage();
  const topics = useSiteTopics('demo', language);
  const text = demoText(language);

  useEffect(() => {
    if (!agent) return;
    let current: SignedIn | undefined;
    let cancelled = false;
    signIn(agent).then(
      (opened) => {
        if (cancelled) return opened.signOut();
        current = opened;
        setSession(opened.session);
        // A new sign-in starts available; a reload keeps whatever status the agent had.
        if (fresh) opened.session.setPresence('available').catch(() => undefined);
      },
      (reason: unknown) => {
        if (cancelled) return;
        setError(reason instanceof Error ? reason.message : String(reason));
        setAgent(undefined);
        sessionStorage.removeItem(AGENT_KEY);
      },
    );
    return () => {
      cancelled = true;
      current?.signOut();
      setSession(undefined);
    };
  }, [agent, fresh]);

  return (
    <>
      <header className="crm-header">
        <h1>Acme CRM</h1>
        {agent ? (
          <p className="crm-who">
            {text.signedInAs} <strong>{agent.name}</strong>{' '}
            <button
              type="button"
              className="crm-button crm-button--on-dark"
              onClick={() => {
                sessionStorage.removeItem(AGENT_KEY);
                setAgent(undefined);
              }}
            >
              {text.signOut}
            </button>
          </p>
        ) : null}
        <nav aria-label={text.demoNav}>
          <a href="/">{text.demoHome}</a> <LanguageSwitch value={language} onChange={setLanguage} />
        </nav>
      </header>
      <div className="crm-layout">
        <Customers language={language} session={session} />
        <section className="crm-console" aria-label={text.agentConsole}>
          {!agent ? (
            <SignIn
              {...(error ? { error } : {})}
              text={text}
              onSignIn={(picked) => {
                sessionStorage.setItem(AGENT_KEY, picked.id);
                setError(undefined);
                setFresh(true);
                setAgent(picked);
              }}
            />
          ) : session ? (
            <HelplineProvider agent={session} locale={language} topics={topics}>
              <AgentConsole />
            </HelplineProvider>
          ) : (
            <p role="status">{text.connecting}</p>
          )}
        </section>
      </div>
    </>
  );
}

const root = document.getElementById('app');
if (!root) throw new Error('the page has no #app element');
createRoot(root).render(
  <StrictMode>
    <Crm />
  </StrictMode>,
);
