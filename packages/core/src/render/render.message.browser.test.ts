/// <reference types="mocha" />
// Only `renderMessage` in this page, as in an app that imports neither `tokenize` nor `renderToDom`.
import { renderMessage } from './render.message';

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function waitFor(condition: () => boolean, message: string): Promise<void> {
  for (let turn = 0; turn < 200; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${message} did not happen`);
}

describe('renderMessage without the tokenizer in the page', () => {
  it('shows a message with markup as plain text, formats it in place once the tokenizer is here, then at once', async () => {
    const bubble = document.createElement('p');
    document.body.append(bubble);
    bubble.append(renderMessage('Hi\n**there**, see https://example.com'));
    check(bubble.innerHTML === 'Hi<br>**there**, see https://example.com', bubble.innerHTML);

    await waitFor(() => bubble.querySelector('strong') !== null, 'formatting');
    check(
      bubble.innerHTML ===
        'Hi<br><strong>there</strong>, see ' +
          '<a href="https://example.com/" rel="noopener noreferrer nofollow" target="_blank">https://example.com</a>',
      bubble.innerHTML,
    );

    const next = document.createElement('p');
    next.append(renderMessage('_now_ and plain'));
    check(next.innerHTML === '<em>now</em> and plain', next.innerHTML);
    bubble.remove();
  });

  it('renders plain text at once', () => {
    const bubble = document.createElement('p');
    bubble.append(renderMessage('one\r\ntwo <b>three</b>'));
    check(bubble.innerHTML === 'one<br>two &lt;b&gt;three&lt;/b&gt;', bubble.innerHTML);
  });
});
