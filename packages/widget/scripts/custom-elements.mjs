// Writes custom-elements.json (schema 2.1.0) from the class JSDoc of the widget's elements: @summary,
// @attr, @csspart, @cssprop, @slot, @fires, plus public methods and properties. A small generator instead of
// @custom-elements-manifest/analyzer: our JSDoc is the contract, and this reads exactly it.
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const ELEMENTS = [
  { path: 'src/loader/loader.ts', className: 'HelplineWidgetElement', tagName: 'helpline-widget' },
  { path: 'src/panel/panel.ts', className: 'HelplinePanelElement', tagName: 'helpline-panel' },
];

function tagText(tag) {
  const comment =
    typeof tag.comment === 'string' ? tag.comment : (ts.getTextOfJSDocComment(tag.comment) ?? '');
  return comment.trim();
}

/** `name - description` (the first word may be `[name=default]`). */
function named(text) {
  const [head = '', ...rest] = text.split(/\s+-\s+/);
  return { name: head.trim(), description: rest.join(' - ').trim() };
}

function describeClass(packageDir, { path, className, tagName }) {
  const source = ts.createSourceFile(
    path,
    readFileSync(`${packageDir}/${path}`, 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const node = source.statements.find((s) => ts.isClassDeclaration(s) && s.name?.text === className);
  if (!node) throw new Error(`${path}: no class ${className}`);
  const declaration = {
    kind: 'class',
    name: className,
    tagName,
    customElement: true,
    description: '',
    attributes: [],
    cssParts: [],
    cssProperties: [],
    slots: [],
    events: [],
    members: [],
  };
  for (const doc of ts.getJSDocCommentsAndTags(node)) {
    if (!ts.isJSDoc(doc)) continue;
    declaration.description = (ts.getTextOfJSDocComment(doc.comment) ?? '').trim();
    for (const tag of doc.tags ?? []) {
      const text = tagText(tag);
      const name = tag.tagName.text;
      // Several @csspart on one line ("@csspart a - x. @csspart b - y.") are split too.
      const entries = text
        .split(/\s@(?=csspart\s)/)
        .map((part, index) => (index === 0 ? part : part.replace(/^csspart\s+/, '')));
      if (name === 'summary') declaration.summary = text;
      else if (name === 'attr') declaration.attributes.push(named(text));
      else if (name === 'csspart') for (const entry of entries) declaration.cssParts.push(named(entry));
      else if (name === 'cssprop') declaration.cssProperties.push(named(text));
      else if (name === 'slot') declaration.slots.push(named(text.startsWith('-') ? ` ${text}` : text));
      else if (name === 'fires') declaration.events.push(named(text));
    }
  }
  for (const member of node.members) {
    const memberName = member.name && ts.isIdentifier(member.name) ? member.name.text : undefined;
    const isPrivate = member.name && ts.isPrivateIdentifier(member.name);
    const modifiers = ts.getCombinedModifierFlags(member);
    if (
      !memberName ||
      isPrivate ||
      modifiers & ts.ModifierFlags.Static ||
      modifiers & ts.ModifierFlags.Protected
    )
      continue;
    if (memberName.endsWith('Callback') || memberName === 'render') continue;
    const description = ts
      .getJSDocCommentsAndTags(member)
      .map((doc) => (ts.isJSDoc(doc) ? (ts.getTextOfJSDocComment(doc.comment) ?? '') : ''))
      .join(' ')
      .trim();
    const kind = ts.isMethodDeclaration(member) ? 'method' : 'field';
    if (!declaration.members.some((existing) => existing.name === memberName)) {
      declaration.members.push({ kind, name: memberName, ...(description ? { description } : {}) });
    }
  }
  return {
    kind: 'javascript-module',
    path,
    declarations: [declaration],
    exports: [
      { kind: 'js', name: className, declaration: { name: className, module: path } },
      { kind: 'custom-element-definition', name: tagName, declaration: { name: className, module: path } },
    ],
  };
}

/** The manifest of the widget package rooted at `packageDir`. */
export function customElementsManifest(packageDir) {
  return {
    schemaVersion: '2.1.0',
    readme: 'README.md',
    modules: ELEMENTS.map((element) => describeClass(packageDir, element)),
  };
}
