/// <reference types="mocha" />
import { DEFAULT_SURVEY, HelplineError } from '@helpline/core';
import { supportQueue, waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import { axeViolations } from '../testing/axe';
import { createEmbedWorld, type EmbedWorld, type EmbedWorldOptions } from '../testing/embed-world';
import {
  createWidgetWorld,
  submit,
  type WidgetWorld,
  type WidgetWorldOptions,
} from '../testing/widget-world';

const NPS = { ...DEFAULT_SURVEY, nps: true };

const worlds: (WidgetWorld | EmbedWorld)[] = [];
async function world(options: WidgetWorldOptions = {}): Promise<WidgetWorld> {
  const created = await createWidgetWorld(options);
  worlds.push(created);
  return created;
}
/** The widget embedded with `server` against msw's mock of the server, for refusals the server sends. */
async function embedded(options: EmbedWorldOptions = {}): Promise<EmbedWorld> {
  const created = await createEmbedWorld(options);
  worlds.push(created);
  return created;
}
afterEach(() => {
  for (const created of worlds.splice(0)) created.close();
});
/** Closes a world before the test ends (its hub goes with it). */
function done(w: WidgetWorld | EmbedWorld): void {
  worlds.splice(worlds.indexOf(w), 1);
  w.close();
}

/** A chat Alice accepted and ended: the widget shows the end of the chat. */
async function endedChat(w: WidgetWorld): Promise<string> {
  await w.open();
  w.$<HTMLButtonElement>('[part~="start-chat"]').click();
  await waitFor(() => w.has('form[part~="prechat"]'), 'pre-chat form');
  submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
  await waitFor(() => Object.keys(w.agent.$offers.get()).length === 1, 'the offer');
  const cid = Object.keys(w.agent.$offers.get())[0] ?? '';
  await w.agent.accept(cid);
  await w.agent.end(cid);
  await waitFor(() => w.has('form[part~="csat"]'), 'the rating form');
  return cid;
}

/** A chat the mocked server's agent accepted and ended, in an embedded widget. */
async function endedEmbeddedChat(w: EmbedWorld): Promise<string> {
  await w.open();
  w.$<HTMLButtonElement>('[part~="start-chat"]').click();
  await waitFor(() => w.has('form[part~="prechat"]'), 'pre-chat form');
  submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
  const cid = await w.helpline.agent.accept();
  await w.helpline.agent.end(cid);
  await waitFor(() => w.has('form[part~="csat"]'), 'the rating form');
  return cid;
}

/** What these helpers use of a world, embedded or connected in-process. */
type PanelWorld = Pick<WidgetWorld, '$'>;

function pick(w: PanelWorld, label: string): void {
  w.$<HTMLInputElement>(`input[aria-label="${label}"]`).click();
}

async function press(w: PanelWorld, part: string): Promise<void> {
  await waitFor(() => !w.$<HTMLButtonElement>(`[part~="${part}"]`).disabled, `${part} enabled`);
  w.$<HTMLButtonElement>(`[part~="${part}"]`).click();
}

describe('the survey after a chat', () => {
  it('asks NPS after the rating when the queue turns it on, and sends both at once', async () => {
    const w = await world({ survey: NPS });
    const cid = await endedChat(w);
    assert.strictEqual(w.$('form[part~="csat"] [part~="submit"]').textContent?.trim(), 'Next');
    pick(w, '4 out of 5');
    w.$<HTMLTextAreaElement>('#comment').value = 'Quick';
    await press(w, 'submit');

    await waitFor(() => w.has('form[part~="nps"]'), 'the NPS question');
    assert.include(w.$('form[part~="nps"] legend').textContent, 'How likely are you to recommend us');
    assert.strictEqual(w.panel().querySelectorAll('form[part~="nps"] input[type="radio"]').length, 11);
    assert.include(w.$('#nps-ends').textContent, 'Not at all likely');
    assert.include(w.$('#nps-ends').textContent, 'Extremely likely');
    assert.strictEqual(w.panel().activeElement?.tagName, 'FIELDSET', 'the question takes focus');
    assert.strictEqual(w.hub.interaction(cid)?.csat, undefined, 'nothing sent before the last step');
    assert.deepEqual(await axeViolations(w), [], 'the NPS step');

    pick(w, '9 out of 10');
    await press(w, 'submit');
    await w.waitForText('Thank you for your feedback!');
    assert.deepEqual(w.hub.interaction(cid)?.csat, { score: 4, comment: 'Quick', nps: 9 });
  });

  it('sends the rating alone when NPS is skipped, and nothing when the survey is skipped', async () => {
    const first = await world({ survey: NPS });
    const cid = await endedChat(first);
    pick(first, '2 out of 5');
    await press(first, 'submit');
    await waitFor(() => first.has('form[part~="nps"]'), 'the NPS question');
    await press(first, 'skip');
    await first.waitForText('Thank you for your feedback!');
    assert.deepEqual(first.hub.interaction(cid)?.csat, { score: 2 });
    done(first);

    const second = await world({ survey: NPS });
    const other = await endedChat(second);
    await press(second, 'skip');
    await waitFor(() => !second.has('form[part~="csat"]'), 'the survey goes away');
    assert.isFalse(second.has('form[part~="nps"]'));
    assert.strictEqual(second.hub.interaction(other)?.csat, undefined);
    assert.isTrue(second.has('[part~="new-chat"]'), 'the way to start over stays');
  });

  it('asks the rating only, with "Send rating", where the queue does not ask NPS', async () => {
    const w = await world();
    const cid = await endedChat(w);
    assert.strictEqual(w.$('form[part~="csat"] [part~="submit"]').textContent?.trim(), 'Send rating');
    pick(w, '5 out of 5');
    await press(w, 'submit');
    await w.waitForText('Thank you for your feedback!');
    assert.isFalse(w.has('form[part~="nps"]'));
    assert.deepEqual(w.hub.interaction(cid)?.csat, { score: 5 });
  });

  it('says so when the server refuses a late answer, and counts an answer from another tab as sent', async () => {
    const late = await embedded({ mock: { queues: [{ ...supportQueue, survey: NPS }] } });
    void late.helpline.failNext(
      'csat.submit',
      new HelplineError('survey/closed', 'The survey of conversation c closed 24 h after it ended.'),
    );
    await endedEmbeddedChat(late);
    pick(late, '3 out of 5');
    await press(late, 'submit');
    pick(late, '7 out of 10');
    await press(late, 'submit');
    await late.waitForText('This survey has closed.');
    assert.isFalse(late.has('form[part~="nps"]'));
    done(late);

    const again = await embedded();
    void again.helpline.failNext(
      'csat.submit',
      new HelplineError('conflict/state', 'Cannot rate: the conversation is rated.'),
    );
    await endedEmbeddedChat(again);
    pick(again, '3 out of 5');
    await press(again, 'submit');
    await again.waitForText('Thank you for your feedback!');
  });

  it('asks in Arabic, right to left, with Arabic digits', async () => {
    const w = await world({ survey: NPS, lang: 'ar' });
    await endedChat(w);
    assert.strictEqual(w.$('[part~="panel"]').getAttribute('dir'), 'rtl');
    pick(w, `${(4).toLocaleString('ar')} من 5`);
    await press(w, 'submit');
    await waitFor(() => w.has('form[part~="nps"]'), 'the NPS question');
    assert.include(w.$('form[part~="nps"] legend').textContent, 'ما مدى احتمال أن توصي بنا');
    const labels = [...w.panel().querySelectorAll('form[part~="nps"] .scale span')].map((s) => s.textContent);
    assert.deepEqual(labels.slice(0, 2), [(0).toLocaleString('ar'), (1).toLocaleString('ar')]);
    assert.strictEqual(w.$('[part~="skip"]').textContent?.trim(), 'تخطٍّ');
  });
});
