import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atom } from 'nanostores';
import { pickEach } from './conversations.store';
import type { InteractionRecord, InteractionRecords } from './interactions.fold';

describe('pickEach: a view of the records', () => {
  const record = (cid: string, fields: Partial<InteractionRecord> = {}): InteractionRecord => ({
    cid,
    ...fields,
  });

  it('stays the same object while every pick is the same', () => {
    const $records = atom<InteractionRecords>({ a: record('a', { typing: true }), b: record('b') });
    const $typing = pickEach($records, ({ typing }) => typing);
    const seen: unknown[] = [];
    const stop = $typing.listen((value) => seen.push(value));
    const before = $typing.get();
    $records.set({ ...$records.get(), b: record('b', { held: true }) });
    assert.equal($typing.get(), before);
    $records.set({ ...$records.get(), a: record('a', { typing: false }) });
    assert.deepEqual($typing.get(), { a: false });
    assert.equal(seen.length, 1, 'one change heard');
    stop();
  });

  it('keeps the place of an entry, and puts a new one last, as a map does', () => {
    const $records = atom<InteractionRecords>({ a: record('a'), b: record('b', { typing: true }) });
    const $typing = pickEach($records, ({ typing }) => typing);
    const stop = $typing.listen(() => {});
    $records.set({ ...$records.get(), a: record('a', { typing: true }) });
    assert.deepEqual(Object.keys($typing.get()), ['b', 'a']);
    $records.set({ a: record('a', { typing: true }) });
    assert.deepEqual(Object.keys($typing.get()), ['a'], 'an entry that has nothing to pick goes');
    stop();
  });
});
