import type { EmailOffer } from '../loader/settings';
import type { PanelContext } from '../panel/context';

let view: typeof import('./email.view') | undefined;

/**
 * "Get replies by email" for a chat (`WidgetConnectOptions.email`): its view and texts are a chunk of their own,
 * loaded the first time a chat shows. The server connection passes it when the site config says the server sends
 * mail (`conversation.email` needs an email outbound). Not exported by the package: on the loader's every page it
 * would cost bytes of the chat's first open.
 *
 * @example
 * ```ts
 * const options = { transport, token, email: continueByEmail() };
 * ```
 */
export function continueByEmail(): EmailOffer {
  return {
    render(context) {
      const ctx = context as PanelContext;
      if (!view)
        import('./email.view').then((loaded) => {
          view = loaded;
          ctx.requestUpdate();
        }, ctx.model.fail);
      return view?.renderEmailLeg(ctx);
    },
  };
}
