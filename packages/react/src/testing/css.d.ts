// Browser tests import the stylesheet as text (esbuild's `with { type: 'text' }`) to adopt it.
declare module '*.css' {
  const text: string;
  export default text;
}
