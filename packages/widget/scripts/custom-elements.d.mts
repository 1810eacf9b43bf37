/** The custom-elements.json (schema 2.1.0) of the widget package rooted at `packageDir`. */
export function customElementsManifest(packageDir: string): {
  schemaVersion: string;
  modules: {
    path: string;
    declarations: {
      tagName: string;
      attributes: { name: string }[];
      cssParts: { name: string }[];
      cssProperties: { name: string }[];
      events: { name: string }[];
      members: { name: string; kind: string }[];
    }[];
  }[];
};
