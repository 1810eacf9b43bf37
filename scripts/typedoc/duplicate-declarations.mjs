// A TypeDoc plugin (typedoc.json `plugin`). TypeDoc warns "X has multiple declarations with a comment" when a type
// reaches one property through two paths: valibot's `InferOutput` splits a schema's entries into required and
// optional halves, and TypeScript then lists the one declaration twice. The comment is not ambiguous at all, so this
// drops the warning when every location TypeDoc lists for it is the same line, and keeps it otherwise.

/** @param {import('typedoc').Application} app */
export function load(app) {
  const logger = app.logger;
  const warn = logger.warn.bind(logger);
  const info = logger.info.bind(logger);
  /** @type {[string, unknown[]] | undefined} */
  let held;
  const release = () => {
    if (held) warn(held[0], ...held[1]);
    held = undefined;
  };
  logger.warn = (message, ...rest) => {
    release();
    if (/has multiple declarations with a comment/.test(String(message))) held = [message, rest];
    else warn(message, ...rest);
  };
  logger.info = (message, ...rest) => {
    const text = String(message);
    if (held && /^The comments for .* are declared at/.test(text)) {
      const locations = text
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
      if (new Set(locations).size === 1) {
        held = undefined;
        return;
      }
    }
    release();
    info(message, ...rest);
  };
}
