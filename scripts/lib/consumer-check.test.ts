import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linksOutsidePackage, PUBLISHED, undocumentedEntries } from './consumer-check.mjs';

describe('consumer check helpers', () => {
  it('finds README links npm cannot follow: relative paths to files outside the tarball', () => {
    const readme = [
      '[guide](../../docs/react.md) and [ref][r], [here](#install), [site](https://example.com/x)',
      '[license](LICENSE), [styles](./src/styles/helpline.css#L1), [mail](mailto:a@example.com)',
      '[r]: ../../docs/README.md',
    ].join('\n');
    assert.deepEqual(linksOutsidePackage(readme, ['LICENSE', 'README.md', 'src/styles/helpline.css']), [
      '../../docs/react.md',
      '../../docs/README.md',
    ]);
  });

  it('every exports subpath of every published package is in its typedoc.json entry points', () => {
    assert.deepEqual(PUBLISHED, ['core', 'widget', 'react', 'server']);
    assert.deepEqual(PUBLISHED.flatMap(undocumentedEntries), []);
  });
});
