import { css } from 'lit';

// Lit adopts these as constructable stylesheets: no <style> element and no style attribute, so the panel
// works under `style-src 'self'`. Only logical properties (inline/block, start/end), so right-to-left
// languages mirror without a second stylesheet. Theme tokens are `--helpline-*` with light defaults; the
// dark ones apply for `theme="dark"` (the panel resolves the loader's `auto` from prefers-color-scheme).
export const panelStyles = css`
  :host {
    all: initial;
    display: block;
    --_accent: var(--helpline-accent, #0b57d0);
    --_on-accent: var(--helpline-on-accent, #ffffff);
    --_surface: var(--helpline-surface, #ffffff);
    --_raised: var(--helpline-raised, #f0f4f9);
    --_text: var(--helpline-text, #1f1f1f);
    --_muted: var(--helpline-muted, #444746);
    --_border: var(--helpline-border, #747775);
    --_error: var(--helpline-error, #b3261e);
    --_focus: var(--helpline-focus, #0b57d0);
    --_radius: var(--helpline-radius, 16px);
    font: 15px/1.45 var(--helpline-font, system-ui, -apple-system, 'Segoe UI', sans-serif);
    color: var(--_text);
  }
  :host([theme='dark']) {
    --_accent: var(--helpline-dark-accent, #a8c7fa);
    --_on-accent: var(--helpline-dark-on-accent, #062e6f);
    --_surface: var(--helpline-dark-surface, #1f1f1f);
    --_raised: var(--helpline-dark-raised, #303134);
    --_text: var(--helpline-dark-text, #e3e3e3);
    --_muted: var(--helpline-dark-muted, #c4c7c5);
    --_border: var(--helpline-dark-border, #8e918f);
    --_error: var(--helpline-dark-error, #f2b8b5);
    --_focus: var(--helpline-dark-focus, #a8c7fa);
  }
  :host([hidden]) {
    display: none;
  }
  * {
    box-sizing: border-box;
  }
  [part~='panel'] {
    display: flex;
    flex-direction: column;
    inline-size: min(380px, calc(100vw - 32px));
    block-size: min(620px, calc(100vh - 120px));
    background: var(--_surface);
    color: var(--_text);
    border-radius: var(--_radius);
    box-shadow: 0 8px 32px #0005;
    overflow: hidden;
  }
  [part~='header'] {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 12px 12px 12px 16px;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  [part~='title'] {
    flex: 1;
    margin: 0;
    font-size: 17px;
    font-weight: 650;
  }
  [part~='title']:focus {
    outline: none;
  }
  [part~='title']:focus-visible {
    outline: 2px solid currentColor;
  }
  [part~='header'] button {
    all: unset;
    display: grid;
    place-items: center;
    inline-size: 36px;
    block-size: 36px;
    border-radius: 50%;
    cursor: pointer;
  }
  [part~='header'] button:focus-visible {
    outline: 3px solid currentColor;
    outline-offset: -3px;
  }
  svg {
    inline-size: 22px;
    block-size: 22px;
    fill: currentColor;
  }
  :host(:dir(rtl)) [part~='back'] svg {
    transform: scaleX(-1);
  }
  [part~='banner'] {
    margin: 0;
    padding: 8px 16px;
    background: var(--_raised);
    border-block-end: 1px solid var(--_border);
    font-size: 14px;
  }
  [part~='body'] {
    flex: 1;
    display: flex;
    flex-direction: column;
    gap: 12px;
    min-block-size: 0;
    padding: 16px;
    overflow-y: auto;
  }
  [part~='body'].chat {
    padding: 0;
  }
  h3 {
    margin: 0;
    font-size: 16px;
  }
  p {
    margin: 0;
  }
  .muted {
    color: var(--_muted);
    font-size: 14px;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 8px;
  }
  button,
  input,
  select,
  textarea {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
  }
  [part~='button'],
  [part~='topic'] {
    inline-size: 100%;
    padding: 10px 14px;
    border: 1px solid var(--_border);
    border-radius: 10px;
    background: var(--_surface);
    text-align: start;
  }
  [part~='button'].primary {
    background: var(--_accent);
    color: var(--_on-accent);
    border-color: var(--_accent);
    font-weight: 600;
    text-align: center;
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  textarea:focus-visible,
  a:focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  button:disabled {
    cursor: default;
    opacity: 0.7;
  }
  form {
    display: grid;
    gap: 12px;
  }
  label,
  legend {
    display: block;
    font-weight: 600;
    font-size: 14px;
  }
  input:not([type='radio']),
  select,
  textarea {
    display: block;
    inline-size: 100%;
    margin-block-start: 4px;
    padding: 8px 10px;
    border: 1px solid var(--_border);
    border-radius: 8px;
    background: var(--_surface);
  }
  [aria-invalid='true'] {
    border-color: var(--_error);
    border-width: 2px;
  }
  [part~='field-error'],
  [part~='error'] {
    color: var(--_error);
    font-size: 14px;
    font-weight: 600;
  }
  .hint {
    color: var(--_muted);
    font-size: 13px;
    font-weight: 400;
  }
  [part~='messages'] {
    flex: 1;
    display: flex;
    flex-direction: column;
    gap: 10px;
    margin: 0;
    padding: 16px;
    overflow-y: auto;
    list-style: none;
  }
  [part~='message'] {
    max-inline-size: 85%;
    padding: 8px 12px;
    border-radius: 14px;
    background: var(--_raised);
    overflow-wrap: anywhere;
    white-space: normal;
  }
  [part~='message-visitor'] {
    align-self: flex-end;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  [part~='message-visitor'] a {
    color: inherit;
  }
  a {
    color: var(--_accent);
  }
  [part~='author'] {
    display: block;
    font-size: 12px;
    font-weight: 700;
  }
  [part~='meta'] {
    display: block;
    font-size: 12px;
    opacity: 0.9;
  }
  code {
    font-family: ui-monospace, monospace;
    font-size: 0.92em;
  }
  [part~='status'] {
    padding: 8px 16px 0;
    color: var(--_muted);
    font-size: 14px;
  }
  [part~='composer'] {
    display: flex;
    align-items: end;
    gap: 8px;
    padding: 12px;
    border-block-start: 1px solid var(--_border);
  }
  [part~='composer'] .grow {
    flex: 1;
  }
  [part~='composer'] textarea {
    resize: none;
    margin: 0;
    min-block-size: 42px;
    max-block-size: 120px;
  }
  [part~='send'] {
    padding: 10px 14px;
    border: 0;
    border-radius: 10px;
    background: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
  }
  [part~='footer'] {
    display: grid;
    gap: 8px;
    padding: 12px 16px 16px;
  }
  .visually-hidden {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  @media (max-width: 480px) {
    [part~='panel'] {
      inline-size: calc(100vw - 16px);
      block-size: calc(100vh - 96px);
    }
  }
`;
