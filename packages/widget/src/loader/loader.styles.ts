// The launcher's styles, applied as a constructable stylesheet (no inline styles, so a strict CSP holds).
// Kept as one small string: this ships on every page. Type selectors are enough in this shadow root (one div,
// one button, one badge span; the panel styles itself in its own). Logical properties mirror it for RTL.
// The badge stays hidden until the panel, which keeps the unread count, has loaded: its look
// (panel/badge.styles.ts) comes with the panel, which adds it to this shadow root.
export const LOADER_CSS =
  ':host{all:initial}' +
  'div{position:fixed;z-index:var(--helpline-z-index,2147483000);inset-block-end:var(--helpline-offset,20px);' +
  'inset-inline-end:var(--helpline-offset,20px);display:flex;flex-direction:column;align-items:end;gap:12px;' +
  'font:16px/1.4 var(--helpline-font,system-ui,sans-serif)}' +
  ':host([position=start]) div{inset-inline:var(--helpline-offset,20px) auto;align-items:start}' +
  'button{all:unset;position:relative;display:grid;place-items:center;width:56px;height:56px;cursor:pointer;' +
  'border-radius:var(--helpline-launcher-radius,50%);background:var(--helpline-accent,#0b57d0);' +
  'color:var(--helpline-on-accent,#fff);box-shadow:0 4px 12px #0004}' +
  'button:focus-visible{outline:3px solid var(--helpline-focus,#0b57d0);outline-offset:3px}' +
  'svg{width:28px;height:28px;fill:currentColor}.x{fill:none;stroke:currentColor;stroke-width:2.5}' +
  ':host([open]) .c,:host(:not([open])) .x,[hidden]{display:none!important}' +
  '@media (prefers-reduced-motion:no-preference){button{transition:transform .15s}button:hover{transform:scale(1.06)}}';
