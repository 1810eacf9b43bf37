// The demo shop's topics in words, for the console and the board: the server's public site configuration
// (GET /v1/sites/:site/config) names them in every language it has, as the widget shows them to visitors.
import { useEffect, useState } from 'react';
import { serverUrl } from './demo-server';

type Label = string | Readonly<Record<string, string>>;

/** A label in `language` (or its base language), else English, else the first it has. */
function pick(label: Label, language: string): string {
  if (typeof label === 'string') return label;
  return label[language] ?? label[language.split('-')[0] ?? ''] ?? label.en ?? Object.values(label)[0] ?? '';
}

/** The site's topic labels by id, in `language`; `undefined` until they have loaded (or when they cannot). */
export function useSiteTopics(site: string, language: string): Readonly<Record<string, string>> | undefined {
  const [topics, setTopics] = useState<Readonly<Record<string, Label>>>();
  useEffect(() => {
    let current = true;
    fetch(new URL(`v1/sites/${encodeURIComponent(site)}/config`, serverUrl()))
      .then((response) => (response.ok ? response.json() : undefined))
      .then((config: { topics?: readonly { id: string; label: Label }[] } | undefined) => {
        if (current && config?.topics) {
          setTopics(Object.fromEntries(config.topics.map((topic) => [topic.id, topic.label])));
        }
      })
      // Without labels the console leaves topics out; nothing else depends on them.
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [site]);
  if (!topics) return undefined;
  return Object.fromEntries(Object.entries(topics).map(([id, label]) => [id, pick(label, language)]));
}
