/**
 * `@helpline/widget`: the visitor widget. `<helpline-widget>` is the launcher that every page carries.
 *
 * @packageDocumentation
 */
export { defineHelplineWidget, HelplineToggleEvent, HelplineWidgetElement } from './loader/loader';
