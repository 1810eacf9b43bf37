import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filteredNote, selectedBy } from './bench.report';

describe('the bench report', () => {
  it('runs the benches whose path contains the filter, or any of several separated by commas', () => {
    const paths = [
      'scripts/bench/cluster.bench.ts',
      'scripts/bench/channels.bench.ts',
      'packages/core/src/routing/routing.bench.ts',
    ];
    assert.deepEqual(
      paths.filter((path) => selectedBy(undefined, path)),
      paths,
    );
    assert.deepEqual(
      paths.filter((path) => selectedBy('scripts/bench', path)),
      paths.slice(0, 2),
    );
    assert.deepEqual(
      paths.filter((path) => selectedBy('routing, cluster', path)),
      [paths[0], paths[2]],
    );
  });

  it('names every bench that ran in the header, not only one', () => {
    assert.equal(
      filteredNote(['scripts/bench/cluster.bench.ts']),
      'the rows of the cluster bench; the others as measured before',
    );
    assert.equal(
      filteredNote([
        'scripts/bench/cluster.bench.ts',
        'scripts/bench/channels.bench.ts',
        'packages/core/src/routing/routing.bench.ts',
      ]),
      'the rows of the channels, cluster, and routing benches; the others as measured before',
    );
    assert.equal(filteredNote([]), 'no bench matched the filter; the rows as measured before');
  });
});
