import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadCatalog, WIDGET_LOCALES } from '../i18n/i18n';

describe('launcher labels in the loader', () => {
  it('match the catalogs (the loader keeps its own copy to stay small)', async () => {
    const source = readFileSync(new URL('./loader.ts', import.meta.url), 'utf8');
    for (const locale of WIDGET_LOCALES) {
      const catalog = await loadCatalog(locale);
      const key = locale.includes('-') ? `'${locale}'` : locale;
      assert.ok(
        source.includes(`${key}: ['${catalog.openChat}', '${catalog.closeChat}']`),
        `loader labels for ${locale} differ from the catalog`,
      );
    }
  });
});
