// The launcher's unread badge, styled by the panel: the loader on every page shows no count before it loads.
/** The unread badge's look, added to the loader's shadow root by the panel (a span there). */
export const BADGE_CSS =
  'span{position:absolute;top:-4px;inset-inline-end:-4px;min-width:20px;padding:0 6px;box-sizing:border-box;' +
  'border-radius:10px;background:var(--helpline-badge,#b3261e);color:#fff;font:700 12px/20px sans-serif;' +
  'text-align:center}';
