/**
 * Side-effect entry: registers `<helpline-widget>` and installs the global `Helpline(…)` API.
 *
 * @example
 * ```ts
 * import '@helpline/widget/define';
 * ```
 *
 * @packageDocumentation
 */
import { defineHelplineWidget, installGlobalApi } from './index';

defineHelplineWidget();
installGlobalApi();
