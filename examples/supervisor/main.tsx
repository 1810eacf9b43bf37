// The supervisor example: the live board as the demo supervisor Sam, with a dev token from the server.
import { createSupervisorSession, type SupervisorSession } from '@helpline/core';
import { HelplineProvider, SupervisorBoard } from '@helpline/react';
import '@helpline/react/styles.css';
import '../crm/crm.css';
import { type ReactNode, StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { devToken, serverTransport } from '../crm/demo-server';
import { useSiteTopics } from '../crm/site-topics';
import { demoText, LanguageSwitch, useDemoLanguage } from '../language';

function Board(): ReactNode {
  const [session, setSession] = useState<SupervisorSession>();
  const [error, setError] = useState<string>();
  const [language, setLanguage] = useDemoLanguage();
  const topics = useSiteTopics('demo', language);
  const text = demoText(language);
  useEffect(() => {
    let current: SupervisorSession | undefined;
    let cancelled = false;
    // Every tab of the board shares one socket.
    const transport = serverTransport('supervisor:sam');
    devToken('supervisor', 'sam', 'Sam').then(
      (token) => {
        if (cancelled) return;
        current = createSupervisorSession({ transport, token });
        setSession(current);
      },
      (reason: unknown) => setError(reason instanceof Error ? reason.message : String(reason)),
    );
    return () => {
      cancelled = true;
      current?.close();
      transport.dispose();
    };
  }, []);
  return (
    <>
      <header className="crm-header">
        <h1>{text.supervisorBoard}</h1>
        <p className="crm-who">
          {text.signedInAs} <strong>Sam</strong>
        </p>
        <nav aria-label={text.demoNav}>
          <a href="/">{text.demoHome}</a> <LanguageSwitch value={language} onChange={setLanguage} />
        </nav>
      </header>
      <main className="crm-layout-single">
        {error ? (
          <p role="alert" className="crm-error">
            {error}
          </p>
        ) : session ? (
          <HelplineProvider supervisor={session} locale={language} topics={topics}>
            <SupervisorBoard />
          </HelplineProvider>
        ) : (
          <p role="status">{text.connecting}</p>
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (!root) throw new Error('the page has no #app element');
createRoot(root).render(
  <StrictMode>
    <Board />
  </StrictMode>,
);
