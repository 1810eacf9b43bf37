import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestClock } from '../testing';
import { createResumeTokens } from './resume.tokens';

function setup(kept = new Map<string, { subjectId: string; at: number }>()) {
  const clock = createTestClock();
  const tokens = createResumeTokens({
    clock,
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    storage: {
      async saveResumeToken(token, subjectId, at) {
        kept.set(token, { subjectId, at });
      },
      async takeResumeToken(token) {
        const found = kept.get(token);
        kept.delete(token);
        return found?.subjectId;
      },
      async findResumeToken(token, issuedSince = 0) {
        const found = kept.get(token);
        return found && found.at >= issuedSince ? found.subjectId : undefined;
      },
    },
    ttlMs: 86_400_000,
  });
  return { clock, tokens, kept };
}

describe('resume tokens', () => {
  it('are bound to the subject they were issued to, until revoked', async () => {
    const { tokens } = setup();
    const token = await tokens.issue('v1');
    assert.match(token, /^r/);
    assert.equal(await tokens.ownerOf(token), 'v1');
    await tokens.revoke(token);
    assert.equal(await tokens.ownerOf(token), undefined);
    assert.equal(await tokens.ownerOf('never-issued'), undefined);
  });

  it('outlive a restart where storage keeps them, and expire', async () => {
    const kept = new Map<string, { subjectId: string; at: number }>();
    const before = setup(kept);
    const token = await before.tokens.issue('v1');
    // A new hub process: its memory knows no tokens, its storage does.
    const after = setup(kept);
    assert.equal(await after.tokens.ownerOf(token), 'v1');
    await after.clock.advance(86_400_001);
    assert.equal(await after.tokens.ownerOf(token), undefined);
  });

  it('sweep forgets expired tokens from memory', async () => {
    const { clock, tokens, kept } = setup();
    const token = await tokens.issue('v1');
    kept.clear();
    await clock.advance(86_399_999);
    tokens.sweep(clock.now());
    assert.equal(await tokens.ownerOf(token), 'v1');
    await clock.advance(1);
    tokens.sweep(clock.now());
    assert.equal(await tokens.ownerOf(token), undefined);
  });
});
