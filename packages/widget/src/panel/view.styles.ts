import { css } from 'lit';

// Styles of the views outside the first-open chunk (survey, callback, call). The panel adopts them next to
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
  .row > [part~='button'] {
    text-align: center;
  }
  .stars {
    display: flex;
    gap: 4px;
  }
  .stars label {
    inline-size: 40px;
    block-size: 40px;
    border-radius: 8px;
  }
  /* NPS: eleven answers, 0 to 10, in one row that fits the panel (mirrored in right-to-left languages). */
  .scale {
    display: grid;
    grid-template-columns: repeat(11, minmax(0, 1fr));
    gap: 3px;
  }
  .scale label {
    block-size: 36px;
    border-radius: 6px;
    font-size: 14px;
  }
  .stars label,
  .scale label {
    display: grid;
    place-items: center;
    border: 1px solid var(--_border);
    font-weight: 700;
    cursor: pointer;
  }
  .stars input,
  .scale input {
    position: absolute;
    opacity: 0;
    inline-size: 1px;
    block-size: 1px;
  }
  .stars input:checked + span,
  .scale input:checked + span {
    color: var(--_on-accent);
  }
  .stars label:has(input:checked),
  .scale label:has(input:checked) {
    background: var(--_accent);
    color: var(--_on-accent);
    border-color: var(--_accent);
  }
  .stars label:has(input:focus-visible),
  .scale label:has(input:focus-visible) {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  .scale-ends {
    display: flex;
    justify-content: space-between;
    gap: 8px;
    margin: 2px 0 0;
    font-size: 13px;
    color: var(--_muted);
  }
  fieldset:focus {
    outline: none;
  }
  fieldset:focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 4px;
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
