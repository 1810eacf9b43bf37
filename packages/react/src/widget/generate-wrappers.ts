// Turns a Custom Elements Manifest (`custom-elements.json`, schema 2.x) into React wrappers that use
// `createElementComponent`. Pure: the CLI in packages/react/scripts reads and writes the files.

interface ManifestType {
  readonly text?: string;
}

interface ManifestMember {
  readonly kind?: string;
  readonly name?: string;
  readonly type?: ManifestType;
  readonly description?: string;
  readonly static?: boolean;
  readonly readonly?: boolean;
  readonly privacy?: string;
}

interface ManifestEvent {
  readonly name?: string;
  readonly description?: string;
}

interface ManifestAttribute {
  readonly name?: string;
  readonly description?: string;
}

interface ManifestDeclaration {
  readonly kind?: string;
  readonly name?: string;
  readonly tagName?: string;
  readonly customElement?: boolean;
  readonly summary?: string;
  readonly description?: string;
  readonly members?: readonly ManifestMember[];
  readonly events?: readonly ManifestEvent[];
  readonly attributes?: readonly ManifestAttribute[];
}

/** The part of a Custom Elements Manifest the generator reads. */
export interface CustomElementsManifest {
  readonly modules?: readonly { readonly declarations?: readonly ManifestDeclaration[] }[];
}

const PRIMITIVE = /^(boolean|string|number|(\s*\|?\s*('[^']*'|"[^"]*"|boolean|string|number|undefined))+)$/;

/** `helpline-toggle` → `onHelplineToggle`. */
export function eventPropName(eventName: string): string {
  return `on${eventName
    .split(/[-_:]/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`;
}

function componentName(declaration: ManifestDeclaration, tagName: string): string {
  const fromClass = declaration.name?.replace(/Element$/, '');
  if (fromClass) return fromClass;
  return tagName
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** One line of TSDoc: whitespace collapsed, comment ends escaped, and `{@link X}` (it would not resolve here) as code. */
function docLine(text: string | undefined): string {
  return (text ?? '')
    .replace(/\{@link\s+([^}\s|]+)[^}]*\}/g, '`$1`')
    .replace(/\s+/g, ' ')
    .replace(/\*\//g, '*\\/')
    .trim();
}

function propType(type: ManifestType | undefined): string {
  const text = type?.text?.trim();
  return text && PRIMITIVE.test(text) ? text.replace(/\s*\|\s*undefined/g, '').replace(/"/g, "'") : 'unknown';
}

/** Options of {@link generateWrappers}. */
export interface GenerateOptions {
  /** Tags to leave out (elements another element mounts itself). */
  readonly exclude?: readonly string[];
}

function propName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name}'`;
}

/**
 * The source of `widget-elements.generated.ts` for every custom element in `manifest`, sorted by tag:
 * public settable fields become properties, `@attr`s not covered by a field become string attributes, and
 * `@fires` events become `onX` props.
 *
 * @example
 * ```ts
 * writeFileSync(out, generateWrappers(JSON.parse(readFileSync('custom-elements.json', 'utf8'))));
 * ```
 */
export function generateWrappers(manifest: CustomElementsManifest, options: GenerateOptions = {}): string {
  const exclude = new Set(options.exclude ?? []);
  const elements = (manifest.modules ?? [])
    .flatMap((module) => module.declarations ?? [])
    .filter(
      (declaration) => declaration.customElement && declaration.tagName && !exclude.has(declaration.tagName),
    )
    .sort((a, b) => (a.tagName ?? '').localeCompare(b.tagName ?? ''));
  const blocks = elements.map((declaration) => {
    const tagName = declaration.tagName ?? '';
    const name = componentName(declaration, tagName);
    const properties = (declaration.members ?? []).filter(
      (member) =>
        member.kind === 'field' &&
        member.name &&
        !member.static &&
        !member.readonly &&
        (member.privacy ?? 'public') === 'public' &&
        !/^[#_]/.test(member.name),
    );
    const events = (declaration.events ?? []).filter((event) => event.name);
    const fieldNames = new Set(properties.map((member) => member.name));
    const attributes = (declaration.attributes ?? []).filter(
      (attribute) => attribute.name && !fieldNames.has(attribute.name),
    );
    const lines = [
      `/** Props of {@link ${name}}: the properties and events of \`<${tagName}>\`. */`,
      `export interface ${name}Props {`,
      ...properties.flatMap((member) => [
        `  /** ${docLine(member.description) || member.name} */`,
        `  readonly ${member.name}?: ${propType(member.type)};`,
      ]),
      ...attributes.flatMap((attribute) => [
        `  /** \`${attribute.name}\` attribute${docLine(attribute.description) ? `: ${docLine(attribute.description)}` : '.'} */`,
        `  readonly ${propName(attribute.name ?? '')}?: string;`,
      ]),
      ...events.flatMap((event) => [
        `  /** \`${event.name}\`${docLine(event.description) ? `: ${docLine(event.description)}` : ''} */`,
        `  readonly ${eventPropName(event.name ?? '')}?: (event: Event) => void;`,
      ]),
      '}',
      '',
      `/** \`<${tagName}>\` for React${docLine(declaration.summary) ? `: ${docLine(declaration.summary)}` : '.'} */`,
      `export const ${name} = createElementComponent<${name}Props>({`,
      `  tagName: '${tagName}',`,
      `  displayName: '${name}',`,
      `  properties: [${properties.map((member) => `'${member.name}'`).join(', ')}],`,
      `  events: { ${events.map((event) => `${eventPropName(event.name ?? '')}: '${event.name}'`).join(', ')} },`,
      '});',
    ];
    return lines.join('\n');
  });
  return [
    '// Generated by packages/react/scripts/generate-widget-wrappers.ts from packages/widget/dist/custom-elements.json.',
    '// Do not edit by hand: run `npm run generate:wrappers -w packages/react`.',
    "import { createElementComponent } from './createElementComponent';",
    '',
    blocks.join('\n\n'),
    '',
  ].join('\n');
}

/** Widget elements that are not for apps: `<helpline-panel>` is mounted by `<helpline-widget>` itself. */
export const WIDGET_INTERNAL_TAGS: readonly string[] = ['helpline-panel'];
