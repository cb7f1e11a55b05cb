/**
 * The flow editor: CodeMirror 6 with YAML highlighting, completion from the
 * flow JSON Schema, and problems from the hub's `POST /flows/validate` shown
 * at their line. Also the side-by-side revision diff.
 */
import { autocompletion } from '@codemirror/autocomplete';
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { type Diagnostic, linter, lintGutter } from '@codemirror/lint';
import { MergeView } from '@codemirror/merge';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { basicSetup } from 'codemirror';
import { call, type Problem } from '../api.js';
import { flowCompletion } from './schema-completion.js';

/** Colours come from the page's CSS variables, so the editor follows the light or dark theme. */
const theme = EditorView.theme({
  '&': { backgroundColor: 'var(--surface)', color: 'var(--text)', fontSize: '13px', height: '100%' },
  '.cm-content': { fontFamily: 'var(--mono)', caretColor: 'var(--text)' },
  '.cm-gutters': {
    backgroundColor: 'var(--surface-2)',
    color: 'var(--muted)',
    borderRight: '1px solid var(--border)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'var(--selection) !important',
  },
  '.cm-tooltip': {
    backgroundColor: 'var(--surface)',
    border: '1px solid var(--border)',
    color: 'var(--text)',
  },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--accent)', color: '#fff' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '.cm-scroller': { overflow: 'auto' },
});

/** Token colours from CSS variables as well (the default style is for light backgrounds only). */
const highlight = syntaxHighlighting(
  HighlightStyle.define([
    { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--hl-key)' },
    { tag: [tags.string, tags.special(tags.string), tags.content], color: 'var(--hl-string)' },
    { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--hl-number)' },
    { tag: [tags.comment, tags.lineComment], color: 'var(--hl-comment)', fontStyle: 'italic' },
    { tag: [tags.keyword, tags.typeName, tags.meta, tags.labelName], color: 'var(--hl-keyword)' },
    { tag: [tags.punctuation, tags.separator, tags.squareBracket, tags.brace], color: 'var(--muted)' },
  ]),
);

/** Problems of the source as CodeMirror diagnostics, each on its line (the first line when it has none). */
export function toDiagnostics(view: EditorView, problems: Problem[]): Diagnostic[] {
  const doc = view.state.doc;
  return problems.map((p) => {
    const line = doc.line(Math.min(Math.max(p.line ?? 1, 1), doc.lines));
    const from = Math.min(line.from + Math.max((p.column ?? 1) - 1, 0), line.to);
    return {
      from,
      to: Math.max(from, line.to),
      severity: 'error',
      message: p.path ? `${p.path}: ${p.message}` : p.message,
    };
  });
}

export interface EditorOptions {
  doc: string;
  /** The flow JSON Schema, for completion. */
  schema: Record<string, unknown> | undefined;
  onChange(doc: string): void;
  /** The latest validation, for the problem list beside the editor. */
  onProblems(problems: Problem[]): void;
  onSave(): void;
}

/** Mounts the flow editor in `parent`. */
export function createFlowEditor(parent: HTMLElement, options: EditorOptions): EditorView {
  const validate = linter(
    async (view) => {
      const source = view.state.doc.toString();
      if (source.trim() === '') {
        options.onProblems([]);
        return [];
      }
      try {
        const verdict = await call<{ valid: boolean; problems: Problem[] }>('/flows/validate', {
          yaml: source,
        });
        options.onProblems(verdict.problems);
        return toDiagnostics(view, verdict.problems);
      } catch {
        return [];
      }
    },
    { delay: 400 },
  );
  const extensions: Extension[] = [
    basicSetup,
    yaml(),
    theme,
    highlight,
    lintGutter(),
    validate,
    keymap.of([
      {
        key: 'Mod-s',
        preventDefault: true,
        run: () => {
          options.onSave();
          return true;
        },
      },
    ]),
    EditorView.updateListener.of((u) => u.docChanged && options.onChange(u.state.doc.toString())),
  ];
  if (options.schema) extensions.push(autocompletion({ override: [flowCompletion(options.schema)] }));
  return new EditorView({ parent, state: EditorState.create({ doc: options.doc, extensions }) });
}

/** Puts the cursor on a line and scrolls to it. */
export function goToLine(view: EditorView, lineNo: number, column = 1): void {
  const line = view.state.doc.line(Math.min(Math.max(lineNo, 1), view.state.doc.lines));
  const pos = Math.min(line.from + column - 1, line.to);
  view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
  view.focus();
}

/** A read-only side-by-side diff of two sources. */
export function createDiff(parent: HTMLElement, left: string, right: string): MergeView {
  const readOnly = [
    basicSetup,
    yaml(),
    theme,
    highlight,
    EditorState.readOnly.of(true),
    EditorView.editable.of(false),
  ];
  return new MergeView({
    parent,
    a: { doc: left, extensions: readOnly },
    b: { doc: right, extensions: readOnly },
    collapseUnchanged: { margin: 3, minSize: 6 },
  });
}
