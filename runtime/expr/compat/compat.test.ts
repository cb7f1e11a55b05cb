/** Every case of the compatibility table renders as Kestra does, and docs/expressions.md is the table. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../../protocol/errors.js';
import { Renderer } from '../index.js';
import { CONTEXT, expressionsMarkdown, SECTIONS } from './table.js';

const renderer = new Renderer();

function outcome(template: string): string | { error: string } {
  try {
    return renderer.renderText(template, structuredClone(CONTEXT) as Record<string, unknown>);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    return { error: error.message };
  }
}

describe.each(SECTIONS.map((s) => [s.feature, s] as const))('%s', (_feature, section) => {
  it.each(section.cases.map((c) => [c[0], c] as const))('%s', (_template, [template, expected]) => {
    const actual = outcome(template);
    if (typeof expected === 'string') expect(actual).toBe(expected);
    else expect(typeof actual === 'string' ? actual : actual.error).toContain(expected.error);
  });
});

describe('docs/expressions.md', () => {
  it('is generated from the table (npm run docs:expressions)', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/expressions.md'), 'utf8');
    expect(doc).toBe(expressionsMarkdown());
  });
});
