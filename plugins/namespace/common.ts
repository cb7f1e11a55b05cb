/** What the namespace.* tasks share: their `files` property, read as Kestra takes it (one glob or a list). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';

/** `files`: one glob or path, or a list of them (Kestra's `glob:` prefix accepted). */
export const FilesProperty = (description: string) =>
  T.Union([T.String({ minLength: 1 }), T.Array(T.String({ minLength: 1 }), { minItems: 1 })], {
    description,
  });

export const NamespaceProperty = T.String({
  minLength: 1,
  description: 'The namespace whose files are used, e.g. `{{ flow.namespace }}`',
});

/** The patterns of a `files` property as a list. */
export const patternList = (files: string | string[]): string[] =>
  typeof files === 'string' ? [files] : files;

/** `destination` joined to a relative path, without a leading slash (the stored form of a namespace path). */
export function underDestination(destination: string | undefined, path: string): string {
  const parts = `${destination ?? ''}/${path}`.split('/').filter((s) => s !== '');
  if (parts.length === 0) throw new TaskError(`'${path}' names no file`, false);
  return parts.join('/');
}
