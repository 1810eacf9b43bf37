'use client';
import { createContext, type ReactNode, useContext, useEffect, useRef } from 'react';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';

/** What the console's keyboard shortcuts do. */
export type ShortcutAction = 'accept' | 'hangUp' | 'mute' | 'next';

/**
 * Key combinations per action, in `aria-keyshortcuts` syntax: modifiers (`Alt`, `Control`, `Shift`, `Meta`)
 * then a letter, digit or key name, joined by `+`.
 */
export type Keymap = Readonly<Record<ShortcutAction, string>>;

/** The default keys: Alt+A accept, Alt+H hang up, Alt+M mute, Alt+N next interaction. */
export const DEFAULT_KEYMAP: Keymap = { accept: 'Alt+A', hangUp: 'Alt+H', mute: 'Alt+M', next: 'Alt+N' };

const LABELS: Record<ShortcutAction, MessageKey> = {
  accept: 'shortcutAccept',
  hangUp: 'shortcutHangUp',
  mute: 'shortcutMute',
  next: 'shortcutNext',
};

/** The keymap of the shortcuts active around a component; `null` when none are. */
export const ShortcutsContext = createContext<Keymap | null>(null);

/**
 * True when `event` is the key combination `shortcut` (`'Alt+A'`). Letters and digits match by physical key
 * (`event.code`), so Alt+A works on macOS, where Alt changes the character typed, and on any layout.
 */
export function matchesShortcut(event: KeyboardEvent, shortcut: string): boolean {
  const parts = shortcut.split('+');
  const key = parts.pop() ?? '';
  const modifiers = new Set(parts.map((part) => part.toLowerCase()));
  if (
    event.altKey !== modifiers.has('alt') ||
    event.ctrlKey !== modifiers.has('control') ||
    event.shiftKey !== modifiers.has('shift') ||
    event.metaKey !== modifiers.has('meta')
  )
    return false;
  if (/^[a-z]$/i.test(key)) return event.code === `Key${key.toUpperCase()}`;
  if (/^\d$/.test(key)) return event.code === `Digit${key}`;
  return event.key.toLowerCase() === key.toLowerCase();
}

/**
 * Runs `handlers` when their keys are pressed anywhere in the document while the component is mounted.
 * A shortcut whose handler is missing is ignored and the key goes on to the page.
 *
 * @example
 * ```tsx
 * useKeyboardShortcuts({ mute: () => call.perform('mute') });
 * ```
 */
export function useKeyboardShortcuts(
  handlers: Partial<Record<ShortcutAction, () => void>>,
  keymap: Keymap = DEFAULT_KEYMAP,
): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.repeat) return;
      for (const action of Object.keys(keymap) as ShortcutAction[]) {
        const handler = latest.current[action];
        if (handler && matchesShortcut(event, keymap[action])) {
          event.preventDefault();
          handler();
          return;
        }
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [keymap]);
}

/**
 * `aria-keyshortcuts` for the button of `action`, when shortcuts are active around it; `{}` otherwise.
 */
export function useShortcutProps(action: ShortcutAction): { 'aria-keyshortcuts'?: string } {
  const keymap = useContext(ShortcutsContext);
  return keymap ? { 'aria-keyshortcuts': keymap[action] } : {};
}

/** A visible key hint (`<kbd>`) for `action`, shown only where shortcuts are active. */
export function KeyHint({ action }: { action: ShortcutAction }): ReactNode {
  const keymap = useContext(ShortcutsContext);
  if (!keymap) return null;
  // The button carries aria-keyshortcuts; the hint is for sighted users only.
  return (
    <span className="helpline-kbd-hint" aria-hidden="true">
      <kbd className="helpline-kbd">{keymap[action]}</kbd>
    </span>
  );
}

/** Props of {@link ShortcutsHelp}. */
export interface ShortcutsHelpProps {
  /** Defaults to the keymap active around it, else {@link DEFAULT_KEYMAP}. */
  readonly keymap?: Keymap | undefined;
}

/**
 * The list of keyboard shortcuts, always visible: what each key does.
 *
 * @example
 * ```tsx
 * <ShortcutsHelp />
 * ```
 */
export function ShortcutsHelp({ keymap }: ShortcutsHelpProps): ReactNode {
  const i18n = useTranslator();
  const active = useContext(ShortcutsContext);
  const keys = keymap ?? active ?? DEFAULT_KEYMAP;
  return (
    <section className="helpline-shortcuts" aria-label={i18n.t('shortcutsTitle')}>
      <h2 className="helpline-shortcuts__title">{i18n.t('shortcutsTitle')}</h2>
      <dl className="helpline-shortcuts__list">
        {(Object.keys(LABELS) as ShortcutAction[]).map((action) => (
          <div key={action} className="helpline-shortcuts__item">
            <dt>
              <kbd className="helpline-kbd">{keys[action]}</kbd>
            </dt>
            <dd>{i18n.t(LABELS[action])}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
