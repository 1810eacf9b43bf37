// The demo's language switch: one choice for the shop's widget, the CRM's console and the supervisor board,
// kept in localStorage so every demo page opens in it. The list is the languages Helpline ships.
import { type ReactNode, useState } from 'react';

/** The languages the widget, the console and the board ship, by their own names. */
export const DEMO_LANGUAGES = [
  { tag: 'en', name: 'English' },
  { tag: 'nl', name: 'Nederlands' },
  { tag: 'zh-Hant', name: '繁體中文' },
  { tag: 'zh-Hans', name: '简体中文' },
  { tag: 'ar', name: 'العربية' },
] as const;

const LANGUAGE_KEY = 'helpline-demo:lang';

function savedLanguage(): string {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  return DEMO_LANGUAGES.some((language) => language.tag === saved) && saved ? saved : 'en';
}

/** The demo language and a setter that remembers it for the other demo pages. */
export function useDemoLanguage(): readonly [string, (tag: string) => void] {
  const [language, setLanguage] = useState(savedLanguage);
  return [
    language,
    (tag: string) => {
      localStorage.setItem(LANGUAGE_KEY, tag);
      setLanguage(tag);
    },
  ];
}

/** A labelled select of the demo languages. */
export function LanguageSwitch({
  value,
  onChange,
}: {
  readonly value: string;
  readonly onChange: (tag: string) => void;
}): ReactNode {
  return (
    <label className="demo-language">
      Language{' '}
      <select name="language" value={value} onChange={(event) => onChange(event.target.value)}>
        {DEMO_LANGUAGES.map((language) => (
          <option key={language.tag} value={language.tag} lang={language.tag}>
            {language.name}
          </option>
        ))}
      </select>
    </label>
  );
}
