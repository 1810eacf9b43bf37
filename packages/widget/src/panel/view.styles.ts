import { css } from 'lit';

// Styles of the views outside the first-open chunk (rating, callback, call). The panel adopts them next to
// its own stylesheet when such a view loads, so the chat's first open does not carry them.
export const viewStyles = css`
  fieldset {
    margin: 0;
    padding: 0;
    border: 0;
    display: grid;
    gap: 6px;
  }
  fieldset label {
    display: flex;
    gap: 8px;
    align-items: center;
    font-weight: 400;
  }
  .row {
    display: flex;
    gap: 8px;
  }
  .row > * {
    flex: 1;
  }
  .stars {
    display: flex;
    gap: 4px;
  }
  .stars label {
    display: grid;
    place-items: center;
    inline-size: 40px;
    block-size: 40px;
    border: 1px solid var(--_border);
    border-radius: 8px;
    font-weight: 700;
    cursor: pointer;
  }
  .stars input {
    position: absolute;
    opacity: 0;
    inline-size: 1px;
    block-size: 1px;
  }
  .stars input:checked + span {
    color: var(--_on-accent);
  }
  .stars label:has(input:checked) {
    background: var(--_accent);
    color: var(--_on-accent);
    border-color: var(--_accent);
  }
  .stars label:has(input:focus-visible) {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  [part~='call-controls'] {
    display: flex;
    gap: 8px;
  }
  [part~='call-state'] {
    font-size: 18px;
    font-weight: 600;
  }
`;
