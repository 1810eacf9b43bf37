// The classic-script build (`<script src=".../helpline-widget.iife.js" data-site="shop" data-server="…">`):
// registers the element, installs `Helpline(…)` and, when the script tag names a site or server and the
// page has no <helpline-widget> yet, adds one. The panel is a separate ES module next to this file, imported
// on first open (a classic script may `import()`); rollup cannot split an IIFE, so its URL is resolved here.
import { defineHelplineWidget, installGlobalApi, setPanelSource } from './loader/loader';
import type { PanelModule } from './loader/settings';

const script = document.currentScript as HTMLScriptElement | null;
const panelUrl = new URL('helpline-panel.js', script?.src || location.href);
// import() takes the URL as its string.
setPanelSource(() => import(/* @vite-ignore */ panelUrl as unknown as string) as Promise<PanelModule>);
defineHelplineWidget();
installGlobalApi();

const data = script?.dataset;
if (data && (data.site || data.server) && !document.querySelector('helpline-widget')) {
  // data-site, data-server, data-lang, data-position, data-theme, data-nonce become the widget's attributes.
  const widget = document.createElement('helpline-widget');
  for (const name in data) widget.setAttribute(name, data[name] as string);
  const add = () => document.body.append(widget);
  // A script in <head> runs before <body> exists.
  if (document.body) add();
  else addEventListener('DOMContentLoaded', add);
}
