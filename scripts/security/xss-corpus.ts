/**
 * Builds the XSS payload corpus (`packages/core/src/render/fixtures/xss-payloads.json`): the hand-written
 * payloads already in the file, plus systematic variants — every event handler on the elements that fire it,
 * every dangerous URL scheme in every spelling, in every place our renderer accepts a URL (markdown links, bare
 * autolinks, HTML attributes), and template/markup contexts. Every payload sets `window.__xss` when it runs, so
 * a browser test can prove that none did.
 *
 * Run: `node --import tsx scripts/security/xss-corpus.ts` (rewrites the file, keeping hand-written entries first).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = fileURLToPath(
  new URL('../../packages/core/src/render/fixtures/xss-payloads.json', import.meta.url),
);
const JS = 'window.__xss=1';

const handlers: [string, string][] = [
  ['img src=x', 'onerror'],
  ['svg', 'onload'],
  ['body', 'onload'],
  ['iframe src=about:blank', 'onload'],
  ['input autofocus', 'onfocus'],
  ['details open', 'ontoggle'],
  ['video src=x', 'onerror'],
  ['audio src=x', 'onerror'],
  ['marquee', 'onstart'],
  ['select autofocus', 'onfocus'],
  ['textarea autofocus', 'onfocus'],
  ['object data=x', 'onerror'],
  ['link rel=stylesheet href=x', 'onerror'],
  ['style', 'onload'],
  ['a href=# autofocus', 'onfocus'],
  ['div tabindex=0 autofocus', 'onfocusin'],
  ['form><button', 'onclick'],
  ['math><mtext><img src=x', 'onerror'],
  ['isindex type=image src=x', 'onerror'],
  ['animate attributeName=x', 'onbegin'],
];

const schemes = [
  'javascript:',
  'JaVaScRiPt:',
  'javascript&#58;',
  'javascript&#x3A;',
  'java&#x73;cript:',
  'java\tscript:',
  'java\nscript:',
  ' javascript:',
  '\u0000javascript:',
  '%6A%61%76%61%73%63%72%69%70%74:',
  'jav&#x09;ascript:',
  'vbscript:',
  'data:text/html,',
  'data:text/html;base64,',
  'DATA:text/html,',
  'livescript:',
  '&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;',
  '\\u006aavascript:',
  'javascript://%0a',
  'javascript:/*--></title></style></textarea></script><svg/onload=',
];

const wrappers: ((inner: string) => string)[] = [
  (x) => x,
  (x) => `"><${x.slice(1)}`,
  (x) => `'>${x}`,
  (x) => `**${x}**`,
  (x) => `\`${x}\``,
  (x) => `_${x}_`,
  (x) => `[${x}](https://example.com)`,
  (x) => `</textarea>${x}`,
];

function variants(): string[] {
  const out: string[] = [];
  for (const [element, event] of handlers) {
    out.push(`<${element} ${event}=${JS}>`);
    out.push(`<${element} ${event.toUpperCase()}="${JS}">`);
    out.push(`<${element}/${event}=${JS}>`);
    out.push(`<${element}\t${event}\n=\n'${JS}'>`);
    out.push(`<${element} x="" ${event}=\`${JS}\`>`);
  }
  for (const scheme of schemes) {
    const payload = scheme.startsWith('data:') ? `${scheme}<script>${JS}</script>` : `${scheme}${JS}`;
    out.push(`[click me](${payload})`);
    out.push(`[click me](<${payload}>)`);
    out.push(`[**bold**](${payload} "title")`);
    out.push(payload);
    out.push(`<a href="${payload}">x</a>`);
    out.push(`<iframe src="${payload}"></iframe>`);
    out.push(`<form action="${payload}"><button>x</button></form>`);
    out.push(`<embed src="${payload}">`);
    out.push(`<object data="${payload}"></object>`);
    out.push(`<svg><a xlink:href="${payload}"><text y=20>x</text></a></svg>`);
    out.push(`<button formaction="${payload}">x</button>`);
    out.push(`<math href="${payload}">x</math>`);
  }
  // Bare links that try to break out of the href or the label.
  for (const tail of ['"onmouseover="', "'onfocus='", '"><script>', '`onclick=`', ' onerror=']) {
    out.push(`https://example.com/${tail}${JS}`);
    out.push(`[label${tail}${JS}](https://example.com/)`);
    out.push(`[x](https://example.com/${tail}${JS})`);
    out.push(`mailto:a@example.com${tail}${JS}`);
    out.push(`tel:+31201234567${tail}${JS}`);
  }
  const base = [`<script>${JS}</script>`, `<img src=x onerror=${JS}>`, `<svg onload=${JS}>`];
  for (const wrap of wrappers) for (const payload of base) out.push(wrap(payload));
  for (const template of [
    '{{constructor.constructor("window.__xss=1")()}}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection payload, kept literal on purpose.
    '${window.__xss=1}',
    '#{window.__xss=1}',
  ]) {
    out.push(template, `**${template}**`);
  }
  return out;
}

const existing = JSON.parse(readFileSync(file, 'utf8')) as string[];
const corpus = [...new Set([...existing, ...variants()])];
writeFileSync(file, `${JSON.stringify(corpus, null, 2)}\n`);
console.log(`${corpus.length} payloads (${existing.length} before) in ${file}`);
