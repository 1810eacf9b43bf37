import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_GUIDE } from '../../packages/core/src/protocol/index';

const page = readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');

/** Codes a session can be refused or disconnected with: each needs a section a developer can find. */
const CONNECTION_CODES = Object.keys(ERROR_GUIDE).filter(
  (code) =>
    code.startsWith('site/') ||
    code.startsWith('connection/') ||
    ['auth/invalid-token', 'auth/token-expired', 'auth/required', 'limit/rate', 'unavailable'].includes(
      code,
    ) ||
    code === 'protocol/unsupported-version',
);

describe('docs/troubleshooting.md', () => {
  it('has a section, with cause and what to do, for every connection error of the catalog', () => {
    assert.ok(CONNECTION_CODES.length >= 10, 'the catalog still has its connection codes');
    const missing = CONNECTION_CODES.filter((code) => {
      const start = page.indexOf(`\n## \`${code}\`\n`);
      if (start < 0) return true;
      const end = page.indexOf('\n## ', start + 4);
      const section = page.slice(start, end < 0 ? undefined : end);
      return !section.includes('**Cause.**') || !section.includes('**What to do.**');
    });
    assert.deepEqual(missing, [], `codes without a troubleshooting section: ${missing.join(', ')}`);
  });

  it('quotes the console in its own words (the English catalog)', async () => {
    const { consoleMessages } = await import('../../packages/react/src/i18n/en');
    // Plural messages are objects of forms: every string counts.
    const strings = (value: unknown): string[] =>
      typeof value === 'string'
        ? [value]
        : typeof value === 'object' && value
          ? Object.values(value).flatMap(strings)
          : [];
    const texts = strings(consoleMessages);
    const quoted = [...page.matchAll(/^\| "([^"]+)"/gm)].map(([, text]) => text as string);
    assert.ok(quoted.length >= 5, 'the table quotes the console');
    const unknown = quoted.filter((quote) => {
      const prefix = quote.replace(/ …$/, '').replace(/ N s\.$/, '');
      return !texts.some((text) => text.startsWith(prefix));
    });
    assert.deepEqual(unknown, [], 'quotes the console does not show (packages/react/src/i18n/en.ts)');
  });

  it('every link of its table leads to a section', () => {
    const anchors = [...page.matchAll(/\]\(#([\w-]+)\)/g)].map(([, anchor]) => anchor);
    const headings = new Set(
      [...page.matchAll(/^## (.+)$/gm)].map(([, title]) =>
        (title as string).toLowerCase().replace(/[`/]/g, '').replace(/\s+/g, '-'),
      ),
    );
    assert.deepEqual(
      anchors.filter((anchor) => !headings.has(anchor as string)),
      [],
    );
  });
});
