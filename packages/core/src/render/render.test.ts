import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import payloads from './fixtures/xss-payloads.json' with { type: 'json' };
import { LINK_PROTOCOLS, sanitizeUrl, tokenize, tokenizeWithStats, toPlainText } from './render';
import type { LinkToken, RenderToken } from './render.types';

const t = (text: string): RenderToken => ({ kind: 'text', text });
const strong = (...children: RenderToken[]): RenderToken => ({ kind: 'strong', children });
const em = (...children: RenderToken[]): RenderToken => ({ kind: 'em', children });
const code = (text: string): RenderToken => ({ kind: 'code', text });
const link = (href: string, ...children: RenderToken[]): RenderToken => ({ kind: 'link', href, children });
const br: RenderToken = { kind: 'break' };

function* walk(tokens: readonly RenderToken[]): Generator<RenderToken> {
  for (const token of tokens) {
    yield token;
    if (token.kind === 'strong' || token.kind === 'em' || token.kind === 'link') yield* walk(token.children);
  }
}

const linksOf = (tokens: readonly RenderToken[]): LinkToken[] =>
  [...walk(tokens)].filter((token): token is LinkToken => token.kind === 'link');

const allowedProtocols: readonly string[] = LINK_PROTOCOLS;

function assertSafeLinks(tokens: readonly RenderToken[], input: string): void {
  for (const { href } of linksOf(tokens)) {
    const protocol = new URL(href).protocol;
    assert.ok(allowedProtocols.includes(protocol), `link to ${href} from ${JSON.stringify(input)}`);
  }
}

/** No empty text, no two adjacent text tokens, no empty emphasis or link. */
function assertWellFormed(tokens: readonly RenderToken[]): void {
  tokens.forEach((token, index) => {
    if (token.kind === 'text') {
      assert.notEqual(token.text, '', 'empty text token');
      assert.notEqual(tokens[index + 1]?.kind, 'text', 'adjacent text tokens');
    }
    if (token.kind === 'strong' || token.kind === 'em' || token.kind === 'link') {
      assert.ok(token.children.length > 0, `empty ${token.kind}`);
      assertWellFormed(token.children);
    }
  });
}

const normalizeNewlines = (text: string): string => text.replace(/\r\n?/g, '\n');

function isSubsequence(needle: string, haystack: string): boolean {
  let at = 0;
  for (const char of needle) {
    at = haystack.indexOf(char, at);
    if (at === -1) return false;
    at += char.length;
  }
  return true;
}

const count = (text: string, char: string): number => text.split(char).length - 1;

describe('tokenize: the markdown subset', () => {
  const cases: [string, string, RenderToken[]][] = [
    ['plain text', 'hello', [t('hello')]],
    ['empty', '', []],
    ['strong', '**bold**', [strong(t('bold'))]],
    ['em with *', '*it*', [em(t('it'))]],
    ['em with _', '_it_', [em(t('it'))]],
    ['code', '`x = 1`', [code('x = 1')]],
    [
      'no markdown inside code',
      '`**not bold** [a](https://example.com)`',
      [code('**not bold** [a](https://example.com)')],
    ],
    ['double-backtick code holding a backtick', '`` a ` b ``', [code('a ` b')]],
    ['code padding keeps inner backticks', '`` `x` ``', [code('`x`')]],
    ['strong around em', '**bold *and em***', [strong(t('bold '), em(t('and em')))]],
    ['em around strong', '*a **b***', [em(t('a '), strong(t('b')))]],
    ['strong em', '***both***', [strong(em(t('both')))]],
    [
      'mixed in a sentence',
      'a **b** _c_ `d`',
      [t('a '), strong(t('b')), t(' '), em(t('c')), t(' '), code('d')],
    ],
    ['link', '[label](https://example.com/path?q=1#x)', [link('https://example.com/path?q=1#x', t('label'))]],
    [
      'link with markup in label',
      '[**bold** label](https://example.com)',
      [link('https://example.com/', strong(t('bold')), t(' label'))],
    ],
    [
      'link inside strong',
      '**see [docs](https://example.com)**',
      [strong(t('see '), link('https://example.com/', t('docs')))],
    ],
    ['mailto link', '[write](mailto:help@example.com)', [link('mailto:help@example.com', t('write'))]],
    ['tel link', '[call](tel:+1-555-0100)', [link('tel:+1-555-0100', t('call'))]],
    [
      'link with parentheses in url',
      '[wiki](https://en.wikipedia.org/wiki/Foo_(bar))',
      [link('https://en.wikipedia.org/wiki/Foo_(bar)', t('wiki'))],
    ],
    [
      'bare https',
      'see https://example.com.',
      [t('see '), link('https://example.com/', t('https://example.com')), t('.')],
    ],
    [
      'bare https in parentheses',
      '(https://example.com/a_(b))',
      [t('('), link('https://example.com/a_(b)', t('https://example.com/a_(b)')), t(')')],
    ],
    [
      'bare mailto',
      'mail mailto:help@example.com!',
      [t('mail '), link('mailto:help@example.com', t('mailto:help@example.com')), t('!')],
    ],
    [
      'bare tel',
      'call tel:+44-20-7946-0958, thanks',
      [t('call '), link('tel:+44-20-7946-0958', t('tel:+44-20-7946-0958')), t(', thanks')],
    ],
    [
      'bare https inside emphasis',
      '*https://example.com*',
      [em(link('https://example.com/', t('https://example.com')))],
    ],
    [
      'uppercase scheme is canonicalised',
      'HTTPS://EXAMPLE.COM',
      [link('https://example.com/', t('HTTPS://EXAMPLE.COM'))],
    ],
    [
      'angle autolink keeps its brackets',
      '<https://example.com>',
      [t('<'), link('https://example.com/', t('https://example.com')), t('>')],
    ],
    ['scheme inside a word is not a link', 'xhttps://example.com', [t('xhttps://example.com')]],
    ['http is not linked', 'http://example.com', [t('http://example.com')]],
    ['tel without + is not linked', 'tel:5550100', [t('tel:5550100')]],
    ['LF', 'a\nb', [t('a'), br, t('b')]],
    ['CRLF', 'a\r\nb', [t('a'), br, t('b')]],
    ['CR', 'a\rb', [t('a'), br, t('b')]],
    ['blank line', 'a\r\n\r\nb\n', [t('a'), br, br, t('b'), br]],
    ['emphasis does not span lines', '*a\nb*', [t('*a'), br, t('b*')]],
    ['unclosed strong', '**bold', [t('**bold')]],
    ['unclosed em', 'an *open', [t('an *open')]],
    ['unclosed code', '`code', [t('`code')]],
    ['unmatched code lengths', '``a`', [t('``a`')]],
    [
      'unclosed link url becomes an autolink',
      '[label](https://example.com',
      [t('[label]('), link('https://example.com/', t('https://example.com'))],
    ],
    ['bracket without url', '[label]', [t('[label]')]],
    [
      'space between label and url',
      '[label] (https://example.com)',
      [t('[label] ('), link('https://example.com/', t('https://example.com')), t(')')],
    ],
    [
      'empty label',
      '[](https://example.com)',
      [t('[]('), link('https://example.com/', t('https://example.com')), t(')')],
    ],
    [
      'nested link brackets',
      '[a [b](https://x.example)](https://y.example)',
      [
        t('[a '),
        link('https://x.example/', t('b')),
        t(']('),
        link('https://y.example/', t('https://y.example')),
        t(')'),
      ],
    ],
    [
      'image syntax is not supported',
      '![alt](https://example.com/a.png)',
      [t('![alt]('), link('https://example.com/a.png', t('https://example.com/a.png')), t(')')],
    ],
    ['disallowed link stays literal', '[x](javascript:alert(1))', [t('[x](javascript:alert(1))')]],
    ['http link stays literal', '[x](http://example.com)', [t('[x](http://example.com)')]],
    ['spaces around *', '2 * 3 * 4', [t('2 * 3 * 4')]],
    ['intraword *', '2*3*4', [t('2'), em(t('3')), t('4')]],
    ['snake_case stays text', 'snake_case_name', [t('snake_case_name')]],
    ['dunder stays text', '__init__', [t('__init__')]],
    ['long star run stays text', '****', [t('****')]],
    ['mismatched markers', '_a *b_ c*', [em(t('a *b')), t(' c*')]],
    ['escaped stars', '\\*not em\\*', [t('*not em*')]],
    ['escaped backslash', '\\\\', [t('\\')]],
    ['backslash before a letter stays', '\\a', [t('\\a')]],
    [
      'escaped bracket',
      '\\[x](https://example.com)',
      [t('[x]('), link('https://example.com/', t('https://example.com')), t(')')],
    ],
    ['escaped backtick', '\\`not code`', [t('`not code`')]],
    ['trailing backslash', 'a\\', [t('a\\')]],
    ['emoji', '**👍 ok** 👨‍👩‍👧', [strong(t('👍 ok')), t(' 👨‍👩‍👧')]],
    ['emoji next to markers', '*🎉*', [em(t('🎉'))]],
    ['Hebrew', 'שלום **עולם**', [t('שלום '), strong(t('עולם'))]],
    ['Arabic', '_مرحبا_ بك', [em(t('مرحبا')), t(' بك')]],
    ['bidi override is plain text', '\u202e**abc**', [t('\u202e'), strong(t('abc'))]],
    ['HTML is text', '<b>hi</b>', [t('<b>hi</b>')]],
    ['entities are not decoded', '&lt;b&gt; &amp;', [t('&lt;b&gt; &amp;')]],
    [
      'heading, quote, list and strike stay literal',
      '# h\n> q\n- i\n~~s~~',
      [t('# h'), br, t('> q'), br, t('- i'), br, t('~~s~~')],
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.deepEqual(tokenize(input), expected));
  }

  it('markdown: false keeps markers verbatim but still autolinks', () => {
    assert.deepEqual(tokenize('**a** [b](https://x.example) https://y.example', { markdown: false }), [
      t('**a** [b]('),
      link('https://x.example/', t('https://x.example')),
      t(') '),
      link('https://y.example/', t('https://y.example')),
    ]);
  });

  it('markdown: false and autolink: false render names and file names verbatim', () => {
    const name = '**Ann** `x` https://a.example\\_b_.pdf';
    assert.deepEqual(tokenize(name, { markdown: false, autolink: false }), [t(name)]);
  });

  it('autolink: false keeps markdown links', () => {
    assert.deepEqual(tokenize('[a](https://x.example) https://y.example', { autolink: false }), [
      link('https://x.example/', t('a')),
      t(' https://y.example'),
    ]);
  });

  it('treats a non-string as empty', () => {
    assert.deepEqual(tokenize(undefined as unknown as string), []);
  });
});

describe('tokenize: input cap', () => {
  it('cuts input beyond maxLength and marks the cut', () => {
    assert.deepEqual(tokenize('abcdef', { maxLength: 4 }), [t('abcd…')]);
  });

  it('never cuts a surrogate pair in half', () => {
    assert.deepEqual(tokenize('a👍b', { maxLength: 2 }), [t('a…')]);
  });

  it('caps at 100,000 characters by default', () => {
    const plain = toPlainText(tokenize('x'.repeat(150_000)));
    assert.equal(plain.length, 100_001);
    assert.ok(plain.endsWith('x…'));
  });

  it('takes a NaN cap as no cap', () => {
    assert.deepEqual(tokenize('abc', { maxLength: Number.NaN }), [t('abc')]);
  });
});

describe('sanitizeUrl', () => {
  const allowed: [string, string][] = [
    ['https://example.com', 'https://example.com/'],
    ['HTTPS://EXAMPLE.COM/Path?q=A#F', 'https://example.com/Path?q=A#F'],
    ['  https://example.com/a \n', 'https://example.com/a'],
    ['\u0000https://example.com', 'https://example.com/'],
    ['https://例え.jp/', 'https://xn--r8jz45g.jp/'],
    ['https://[::1]:8443/x', 'https://[::1]:8443/x'],
    ['https://192.0.2.1/', 'https://192.0.2.1/'],
    ['mailto:help@example.com', 'mailto:help@example.com'],
    ['MAILTO:help@example.com?subject=Hi', 'mailto:help@example.com?subject=Hi'],
    ['mailto:a@example.com,b@example.com', 'mailto:a@example.com,b@example.com'],
    ['tel:+15550100', 'tel:+15550100'],
    ['tel:+1-(555)-010.0100', 'tel:+1-(555)-010.0100'],
  ];
  for (const [input, expected] of allowed) {
    it(`allows ${JSON.stringify(input)}`, () => assert.equal(sanitizeUrl(input), expected));
  }

  const rejected = [
    'http://example.com',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    '\u0000javascript:alert(1)',
    'java\u0000script:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    '\u200bjavascript:alert(1)',
    'java&#x73;cript:alert(1)',
    '&#106;avascript:alert(1)',
    'javascript&colon;alert(1)',
    'javascript%3Aalert(1)',
    '%6Aavascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'blob:https://example.com/uuid',
    '//evil.example',
    '\\\\evil.example',
    '/relative',
    'relative/path',
    '#fragment',
    '',
    '   ',
    'https://',
    'https://user:pw@evil.example',
    'https://bank.example@evil.example',
    "https://ok.example'onmouseover='alert(1)",
    'https://ok.example%22onmouseover=alert(1)',
    'https://exa mple.com',
    'https://exa\u200bmple.com',
    'https://example.com/\u202egnp.exe',
    'mailto:',
    'mailto:nobody',
    'mailto:@example.com',
    'mailto:a@',
    'mailto:a@b@c',
    'mailto:?subject=x',
    'tel:',
    'tel:abc',
    'tel:12',
    'tel:+1 555 0100',
    'tel:javascript:alert(1)',
    `https://example.com/${'a'.repeat(3000)}`,
  ];
  for (const input of rejected) {
    it(`rejects ${JSON.stringify(input.slice(0, 60))}`, () => assert.equal(sanitizeUrl(input), undefined));
  }

  it('rejects non-strings', () => {
    assert.equal(sanitizeUrl(42 as unknown as string), undefined);
  });
});

describe('toPlainText', () => {
  it('drops markup and turns breaks into newlines', () => {
    assert.equal(
      toPlainText(tokenize('**Hi** _there_\r\n`x` [docs](https://example.com)')),
      'Hi there\nx docs',
    );
  });

  it('appends link targets on request, unless the label already is the URL', () => {
    const tokens = tokenize('[#42](https://shop.example/42) or https://shop.example');
    assert.equal(toPlainText(tokens), '#42 or https://shop.example');
    assert.equal(
      toPlainText(tokens, { linkTargets: true }),
      '#42 <https://shop.example/42> or https://shop.example',
    );
  });
});

describe('XSS corpus', () => {
  it('has the corpus as a plain JSON array of at least 60 distinct strings', () => {
    assert.ok(Array.isArray(payloads));
    assert.ok(payloads.every((payload) => typeof payload === 'string'));
    assert.ok(payloads.length >= 60, `${payloads.length} payloads`);
    assert.equal(new Set(payloads).size, payloads.length);
  });

  for (const payload of payloads) {
    it(`keeps ${JSON.stringify(payload).slice(0, 80)} inert`, () => {
      const tokens = tokenize(payload);
      assertSafeLinks(tokens, payload);
      assertWellFormed(tokens);
      const plain = toPlainText(tokens);
      // Everything shown comes from the payload, in order, and no HTML-significant character is swallowed.
      assert.ok(isSubsequence(plain, normalizeNewlines(payload)), plain);
      for (const char of ['<', '>', '"']) {
        assert.equal(
          count(plain, char),
          count(normalizeNewlines(payload), char),
          `count of ${char} in ${plain}`,
        );
      }
    });
  }

  it('links none of the javascript:, data: or vbscript: payloads', () => {
    const dangerous = /^\s*(?:java|vb|live)script:|^\s*data:/i;
    for (const payload of payloads) {
      for (const { href } of linksOf(tokenize(payload))) assert.doesNotMatch(href, dangerous);
    }
  });
});

const markupFragments = [
  '*',
  '**',
  '***',
  '_',
  '__',
  '`',
  '``',
  '[',
  ']',
  '(',
  ')',
  '](',
  '\\',
  '!',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '\t',
  'https://',
  'HTTPS://',
  'https:',
  'mailto:',
  'tel:+',
  'tel:',
  'javascript:',
  'JaVaScRiPt:',
  'java\tscript:',
  'data:text/html,',
  'vbscript:',
  '//',
  '&#x73;',
  '&#106;',
  '%3A',
  '\u0000',
  '\u0001',
  '\u200b',
  '\u202e',
  '\ufeff',
  '@',
  '.',
  ',',
  'example.com',
  'user:pw@',
  'a',
  '1',
  '+1',
  'é',
  '👍',
  'שלום',
  '<script>',
  '<img src=x onerror=alert(1)>',
  'onerror=',
  '"',
  "'",
  '<',
  '>',
];

const schemeSpellings = [
  'https://',
  'mailto:',
  'tel:+',
  'tel:',
  'javascript:',
  'JaVaScRiPt:',
  ' javascript:',
  '\u0000javascript:',
  'java\tscript:',
  'java&#x73;cript:',
  'data:',
  'vbscript:',
  'http://',
  '//',
  '',
];

/** A link-shaped fragment, `[label](scheme…)` or a bare `scheme…`, so that rejected schemes get exercised. */
const linkish = fc
  .tuple(
    fc.constantFrom('[a](', '[**a**](', '[', ' ', ''),
    fc.constantFrom(...schemeSpellings),
    fc.oneof(
      fc.constantFrom('example.com', 'alert(1)', 'a@b.example', '+15550100'),
      fc.string({ maxLength: 6 }),
    ),
    fc.constantFrom(')', '', ' ', '.'),
  )
  .map((parts) => parts.join(''));

const payloadBiased = fc
  .array(
    fc.oneof(fc.constantFrom(...markupFragments), fc.string({ maxLength: 4, unit: 'binary' }), linkish),
    {
      maxLength: 40,
    },
  )
  .map((parts) => parts.join(''));

const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  payloadBiased,
);

describe('tokenize: properties', () => {
  it('only ever links to https:, mailto: or tel: URLs', () => {
    fc.assert(
      fc.property(anyString, (input) => {
        assertSafeLinks(tokenize(input), input);
      }),
      { numRuns: 3000 },
    );
  });

  it('produces well-formed trees', () => {
    fc.assert(
      fc.property(anyString, (input) => assertWellFormed(tokenize(input))),
      { numRuns: 1000 },
    );
  });

  it('invents no text: the plain text is a subsequence of the input', () => {
    fc.assert(
      fc.property(anyString, (input) =>
        isSubsequence(toPlainText(tokenize(input)), normalizeNewlines(input)),
      ),
      { numRuns: 2000 },
    );
  });

  it('loses no text: input without markup characters comes back unchanged', () => {
    const noMarkup = fc.string({ unit: 'binary' }).map((s) => s.replace(/[*_`[\]\\:]/g, ''));
    fc.assert(
      fc.property(noMarkup, (input) => {
        const tokens = tokenize(input);
        assert.ok(tokens.every((token) => token.kind === 'text' || token.kind === 'break'));
        assert.equal(toPlainText(tokens), normalizeNewlines(input));
      }),
      { numRuns: 1000 },
    );
  });

  it('renders anything verbatim with markdown and autolink off', () => {
    fc.assert(
      fc.property(anyString, (input) => {
        const tokens = tokenize(input, { markdown: false, autolink: false });
        assert.equal(toPlainText(tokens), normalizeNewlines(input));
      }),
      { numRuns: 1000 },
    );
  });

  it('takes a number of steps linear in the input length', () => {
    fc.assert(
      fc.property(payloadBiased, (input) => {
        const { steps } = tokenizeWithStats(input);
        assert.ok(steps <= STEPS_PER_CHAR * (input.length + 1), `${steps} steps for ${input.length} chars`);
      }),
      { numRuns: 1000 },
    );
  });
});

/** A generous constant: measured inputs stay between 1 and 6 steps per character. */
const STEPS_PER_CHAR = 12;

describe('tokenize: linear time on adversarial input', () => {
  const patterns: [string, string][] = [
    ['*[', '*['],
    ['[a](', '[a]('],
    ['[a](https://x', '[a](https://x'],
    ['[[[', '['],
    ['unclosed openers', '*a _b **c '],
    ['closers with no opener of their kind', '_a b* '],
    ['nesting openers and closers', '*a _b *c _d x_ y* '],
    ['backtick runs', '`a``b```c````d'],
    ['autolinks', 'https://a.example/( '],
    ['rejected autolinks', 'https://a@b '],
    ['bare schemes', 'tel:+mailto:https://'],
    ['escapes', '\\*\\_\\`\\['],
    ['lines', '*`[\n'],
    ['underscores in words', 'a_b_'],
  ];

  for (const [name, unit] of patterns) {
    it(`${name}: 200 KB takes about 10x the steps of 20 KB`, () => {
      const steps = (size: number) =>
        tokenizeWithStats(unit.repeat(Math.ceil(size / unit.length)), { maxLength: Number.POSITIVE_INFINITY })
          .steps;
      const small = steps(20_000);
      const large = steps(200_000);
      assert.ok(large <= 11 * small, `${small} → ${large} steps`);
      assert.ok(large <= STEPS_PER_CHAR * 200_000, `${large} steps for 200,000 chars`);
    });
  }

  it('tokenizes 200 KB of `*[` well within a sanity bound', () => {
    const started = performance.now();
    tokenize('*['.repeat(100_000), { maxLength: Number.POSITIVE_INFINITY });
    assert.ok(performance.now() - started < 5000);
  });
});
