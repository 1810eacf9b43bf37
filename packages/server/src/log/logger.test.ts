// The logger writes what an operator needs and nothing the security guide promises never to log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helplineError } from '@helpline/core';
import { DatabaseError } from '../storage/sql.errors';
import { createLogger, type Logger } from './logger';

function capture(): { log: Logger; lines: () => Record<string, unknown>[]; raw: string[] } {
  const raw: string[] = [];
  const log = createLogger({ level: 'debug', write: (line) => raw.push(line), now: () => 0 });
  return { log, raw, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const CARD = '4111 1111 1111 1111';
const JWT =
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJhZ2VudCJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJl';
const VISITOR_TOKEN = `hlv_${'ab12'.repeat(8)}`;
const RESUME_TOKEN = `r_${'cd34'.repeat(8)}`;

describe('createLogger', () => {
  it('writes one JSON line per event with the fields given', () => {
    const { log, lines } = capture();
    log.info('listening', { port: 8787, dev: false, url: 'http://127.0.0.1:8787' });
    assert.deepEqual(lines(), [
      {
        time: '1970-01-01T00:00:00.000Z',
        level: 'info',
        event: 'listening',
        port: 8787,
        dev: false,
        url: 'http://127.0.0.1:8787',
      },
    ]);
  });

  it('drops values under keys that hold secrets or what people write', () => {
    const { log, lines } = capture();
    log.info('careless', {
      text: 'my address is 1 Main St',
      message: 'hello',
      comment: 'great service',
      notes: 'called back',
      body: '{"text":"hi"}',
      transcript: 'all of it',
      token: 'anything',
      resumeToken: 'anything',
      jwtSecret: 'x',
      password: 'x',
      authorization: 'Bearer x',
      cookie: 'sid=1',
      cid: 'c_1',
    });
    const [line] = lines();
    for (const key of [
      'text',
      'message',
      'comment',
      'notes',
      'body',
      'transcript',
      'token',
      'resumeToken',
      'jwtSecret',
      'password',
      'authorization',
      'cookie',
    ]) {
      assert.equal(line?.[key], '[redacted]', key);
    }
    assert.equal(line?.cid, 'c_1');
  });

  it('redacts card numbers, tokens, credentials and quoted rows in any string', () => {
    const { log, raw } = capture();
    log.warn('odd', {
      detail: `paid with ${CARD} using ${JWT}`,
      visitor: VISITOR_TOKEN,
      resume: `resume ${RESUME_TOKEN}`,
      header: 'Bearer abc.def-ghi',
      url: 'postgres://helpline:hunter2@db.internal:5432/helpline',
      pgDetail: 'Failing row contains (7, SECRET (with parens), x).',
      pgKey: 'Key (cid, client_msg_id)=(c_1, SECRET) already exists.',
      long: 'x'.repeat(2_000),
    });
    const written = raw.join('');
    for (const secret of [CARD, JWT, VISITOR_TOKEN, RESUME_TOKEN, 'abc.def-ghi', 'hunter2', 'SECRET']) {
      assert.ok(!written.includes(secret), `${secret} in ${written}`);
    }
    assert.match(written, /•••• 1111/);
    assert.match(written, /postgres:\/\/helpline:\[redacted\]@db\.internal:5432/);
    assert.match(written, /Key \(cid, client_msg_id\)=\(…\)/);
    assert.ok(written.length < 2_000, 'long strings are cut');
  });

  it('describes errors given as the third argument without repeating their data', () => {
    const { log, lines } = capture();
    let parseError: unknown;
    try {
      JSON.parse('{"text": "SECRET message typed by a visitor"');
    } catch (error) {
      parseError = error;
    }
    log.error('parse', {}, parseError);
    log.error('db', { cid: 'c_1' }, new DatabaseError({ code: '08006', operation: 'INSERT events' }));
    log.warn('typed', {}, helplineError('limit/rate', { seconds: 3 }, { retryAfterMs: 3_000 }));
    log.error('weird', {}, 'SECRET thrown as a string');
    log.error('errno', {}, Object.assign(new Error("open 'SECRET.txt'"), { code: 'ENOENT' }));
    log.error('by hand', { error: 'invalid input syntax for type integer: "SECRET"' });
    const wrapped = new Error('storage failed', {
      cause: new DatabaseError({ code: '57P01', operation: 'SELECT interactions' }),
    });
    log.error('wrapped', {}, wrapped);

    const [parse, db, typed, weird, errno, byHand, caused] = lines();
    assert.ok(!JSON.stringify(lines()).includes('SECRET'), JSON.stringify(lines()));
    assert.match(String(parse?.error), /^SyntaxError: /);
    assert.match(String(parse?.stack), /logger\.test\.ts/);
    assert.deepEqual(
      { error: db?.error, errorCode: db?.errorCode, retryable: db?.retryable, cid: db?.cid },
      {
        error: 'INSERT events failed: connection_failure (08006)',
        errorCode: '08006',
        retryable: true,
        cid: 'c_1',
      },
    );
    assert.equal(typed?.errorCode, 'limit/rate');
    assert.equal(typed?.retryAfterMs, 3_000);
    assert.equal(typed?.stack, undefined, 'expected errors carry no stack');
    assert.equal(weird?.error, 'thrown string');
    assert.equal(errno?.errorCode, 'ENOENT');
    assert.equal(byHand?.error, 'invalid input syntax for type integer: "…"');
    assert.deepEqual(
      { cause: caused?.cause, causeCode: caused?.causeCode },
      { cause: 'SELECT interactions failed: admin_shutdown (57P01)', causeCode: '57P01' },
    );
  });

  it('leaves out levels below the one asked for', () => {
    const raw: string[] = [];
    const log = createLogger({ level: 'warn', write: (line) => raw.push(line) });
    log.debug('a');
    log.info('b');
    log.warn('c');
    log.error('d');
    assert.deepEqual(
      raw.map((line) => (JSON.parse(line) as { event: string }).event),
      ['c', 'd'],
    );
  });
});
