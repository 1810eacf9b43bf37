/// <reference types="mocha" />
import { isHelplineError, isStorableText } from '@helpline/core';
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import payloads from '../../../core/src/render/fixtures/xss-payloads.json';
import { buildTranscript } from '../chat/transcript';
import { en } from '../i18n/en';
import { createTranslator } from '../i18n/i18n';
import { createWidgetWorld, submit, type WidgetWorld } from '../testing/widget-world';

// Elements and attributes the panel itself renders; anything else under the panel came from a payload.
const SAFE_TAGS = new Set(
  'section header h2 h3 button svg path div p ol li span strong em code a br form label textarea input select option fieldset legend ul nav'.split(
    ' ',
  ),
);

/** Everything unsafe in the panel: handler attributes, unexpected elements, non-allowlisted links. */
function findUnsafe(root: ShadowRoot): string[] {
  const findings: string[] = [];
  for (const element of root.querySelectorAll('*')) {
    if (!SAFE_TAGS.has(element.localName)) findings.push(`<${element.localName}>`);
    for (const { name } of element.attributes)
      if (/^on/i.test(name)) findings.push(`${element.localName}[${name}]`);
    if (element instanceof HTMLAnchorElement && !['https:', 'mailto:', 'tel:'].includes(element.protocol)) {
      findings.push(`<a href="${element.href}">`);
    }
  }
  return findings;
}

const flag = () => Reflect.get(window, '__xss');

let w: WidgetWorld | undefined;
beforeEach(() => {
  Reflect.deleteProperty(window, '__xss');
  window.alert = () => Reflect.set(window, '__xss', 'alert');
});
afterEach(() => w?.close());

describe('XSS payloads through the widget', () => {
  it('the check sees an injected handler (so it can fail)', async () => {
    w = await createWidgetWorld();
    await w.open();
    const injected = document.createElement('img');
    injected.setAttribute('onerror', 'window.__xss=1');
    injected.src = 'data:,not-an-image';
    w.panel().append(injected);
    assert.deepEqual(findUnsafe(w.panel()), ['<img>', 'img[onerror]']);
    await waitFor(() => flag() === 1, 'the injected handler ran');
    injected.remove();
  });

  it('renders every payload as text in messages, names and pre-chat values; the transcript stays text', async () => {
    const name =
      payloads.find((p) => p.length <= 120 && p.includes('<img')) ?? '<img src=x onerror=window.__xss=1>';
    w = await createWidgetWorld({ agentName: name });
    const world = w;
    await world.open();
    world.$<HTMLButtonElement>('[part~="start-chat"]').click();
    await waitFor(() => world.has('form[part~="prechat"]'));
    world.$<HTMLInputElement>('#field-name').value = payloads[0] ?? '';
    submit(world.$<HTMLFormElement>('form[part~="prechat"]'));
    await waitFor(() => Object.keys(world.agent.$offers.get()).length === 1, 'offer');
    const cid = Object.keys(world.agent.$offers.get())[0] ?? '';
    assert.strictEqual(world.hub.interaction(cid)?.prechat.name, payloads[0], 'the value travels as text');
    await world.agent.accept(cid);
    await world.waitForText(`You are chatting with ${name}.`);

    // Text the database cannot store (NUL, lone surrogates) is refused before it is sent; the rest is shown.
    const storable = payloads.filter(isStorableText);
    for (const payload of storable) await world.agent.sendMessage(cid, payload);
    for (const payload of payloads.filter((p) => !isStorableText(p))) {
      const refused = await world.agent.sendMessage(cid, payload).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.isTrue(
        isHelplineError(refused) && refused.code === 'validation/field',
        'refused before sending',
      );
    }
    await waitFor(
      () => world.panel().querySelectorAll('[part~="message-agent"]').length === storable.length,
      'every payload shown',
      5000,
    );
    // Give image errors and handlers a chance to fire before checking.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)));
    assert.deepEqual(findUnsafe(world.panel()), []);
    assert.isUndefined(flag(), 'no payload ran');
    assert.isAbove(world.panel().querySelectorAll('[part~="text"] a').length, 0, 'safe links still render');

    const transcript = buildTranscript(
      world.agent.$conversations.get()[cid]?.messages ?? [],
      createTranslator('en', en),
    );
    assert.include(transcript, '<script>window.__xss=1</script>', 'payloads stay literal text');
    assert.notInclude(transcript, 'javascript:alert', 'no javascript: link target is added');
  });
});
