import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callbackMachine, chatMachine, messagingMachine, voiceMachine } from '@helpline/core';
import { consoleMessages } from '../i18n/en';
import { createTranslator } from '../i18n/translator';
import { stateLabel } from './shared';

const catalogTexts = new Set<unknown>(Object.values(consoleMessages));

describe('interaction states on screen', () => {
  for (const machine of [chatMachine, callbackMachine, voiceMachine, messagingMachine]) {
    it(`names every state of the ${machine.id} machine in words from the catalog`, () => {
      const i18n = createTranslator('en');
      for (const state of Object.keys(machine.states)) {
        const label = stateLabel(i18n, state);
        assert.ok(catalogTexts.has(label), `"${state}" shows as "${label}", which is not a catalog text`);
        assert.notEqual(label, state, `"${state}" shows its machine name`);
      }
    });
  }

  it('says what wrap-up means', () => {
    assert.equal(stateLabel(createTranslator('en'), 'wrap-up'), 'Wrapping up');
  });

  it('shows a state this version does not know as it is, not as nothing', () => {
    assert.equal(stateLabel(createTranslator('en'), 'hibernating'), 'hibernating');
  });
});
