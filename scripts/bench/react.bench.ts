import type { BenchRow } from './bench.types';
import { bundleSize, formatSize } from './bundle-size';

const KB = 1024;
const external = ['react', 'react-dom', '@helpline/core', 'nanostores'];

/** Sizes of `@helpline/react` as an application ships it (DESIGN §6, "React bindings (react excluded)"). */
export default async function reactSizes(): Promise<BenchRow[]> {
  const hooks = await bundleSize(`export * from './packages/react/src/hooks';`, { external });
  const everything = await bundleSize(`export * from './packages/react/src';`, { external });
  const console = await bundleSize(`export { AgentConsole, HelplineProvider } from './packages/react/src';`, {
    external,
  });
  return [
    {
      what: 'React bindings, hooks entry `@helpline/react/hooks` (react and core excluded)',
      measured: formatSize(hooks),
      budget: '≤ 2 KB br',
      competitors: '—',
      ok: hooks.brotli <= 2 * KB,
    },
    {
      what: 'React agent console: `<AgentConsole>` + provider (react and core excluded)',
      measured: formatSize(console),
      budget: '—',
      competitors: '—',
      ok: null,
    },
    {
      what: 'React bindings, whole index (every component, supervisor board, i18n catalog)',
      measured: formatSize(everything),
      budget: '—',
      competitors: '—',
      ok: null,
    },
  ];
}
