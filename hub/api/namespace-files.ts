/** Namespace file routes, in Kestra's shape: `/namespaces/{ns}/files?path=…` for the bytes, with a listing and revisions. */
import { Type as T } from '@sinclair/typebox';
import type { Context } from 'hono';
import { TernError } from '../../protocol/errors.js';
import { MAX_NAMESPACE_FILE_BYTES, namespaceFilePath } from '../../protocol/namespace-files.js';
import { type FormFields, mediaType } from './body.js';
import type { ApiEnv, RouteTable } from './route.js';
import { ErrorBodySchema, INT32_MAX, List, Namespace } from './schemas.js';
import type { HubServices } from './services.js';

const FilePath = T.String({
  minLength: 1,
  maxLength: 1024,
  description: "The file's path in the namespace, e.g. `/scripts/etl.py` (the leading slash is optional)",
});

/** A live namespace file as the API lists it: `NamespaceFileInfo` (protocol/plugin.ts). */
export const NamespaceFileSchema = T.Object({
  path: T.String({ description: 'Path without a leading slash' }),
  size: T.Integer({ description: 'Bytes' }),
  revision: T.Integer({ description: 'Every write is a new revision; a delete is one too' }),
  updatedAt: T.String({ format: 'date-time' }),
});

/** One revision of a namespace file as the API lists it: the store's `NamespaceFileRevision`. */
export const NamespaceFileRevisionSchema = T.Object({
  revision: T.Integer(),
  size: T.Integer(),
  deleted: T.Boolean({ description: 'A delete: the file had no content from this revision on' }),
  createdAt: T.String({ format: 'date-time' }),
});

const limits =
  `A file holds at most ${MAX_NAMESPACE_FILE_BYTES} bytes (10 MiB), and no more than the hub's request body ` +
  'limit (4 MiB); a namespace at most 100 MiB of live files.';

/** Registers `/namespaces/{namespace}/files` routes. */
export function namespaceFileRoutes(table: RouteTable, services: HubServices): void {
  const files = services.storage.namespaceFiles;
  const params = T.Object({ namespace: Namespace });
  const changed = (namespace: string) => services.onNamespaceFilesChanged?.(namespace);

  table.add(
    {
      method: 'get',
      path: '/namespaces/:namespace/files',
      operationId: 'getNamespaceFile',
      tag: 'namespace files',
      summary: 'Read a namespace file',
      description: 'The bytes of the live file, or of one of its revisions with `revision`.',
      params,
      query: T.Object({
        path: FilePath,
        revision: T.Optional(T.Integer({ minimum: 1, maximum: INT32_MAX })),
      }),
      responses: {
        200: { description: "The file's bytes", mediaType: 'application/octet-stream' },
        404: { description: 'No such file or revision', schema: ErrorBodySchema },
      },
    },
    async (c, { params: { namespace }, query }) => {
      const content =
        query.revision === undefined
          ? files.get(namespace, query.path)
          : await files.revisionContent(namespace, query.path, query.revision);
      if (content === undefined) {
        const which = query.revision === undefined ? '' : ` at revision ${query.revision}`;
        throw new TernError(
          'NOT_FOUND',
          `no namespace file '${query.path}'${which} in namespace ${namespace}`,
        );
      }
      return c.body(new Uint8Array(content), 200, { 'content-type': 'application/octet-stream' });
    },
  );

  table.add(
    {
      method: ['put', 'post'],
      path: '/namespaces/:namespace/files',
      operationId: 'putNamespaceFile',
      tag: 'namespace files',
      summary: 'Write a namespace file',
      description:
        'The body is the content as it is (any media type but a form), or a multipart form whose `fileContent` ' +
        `field is the file, as Kestra's API takes it. Each write whose bytes differ is a new revision. ${limits}`,
      params,
      query: T.Object({ path: FilePath }),
      body: { raw: true, description: 'The file, or a form with a `fileContent` file field' },
      responses: {
        200: { description: 'Stored', schema: NamespaceFileSchema },
        400: {
          description: 'A path that is not usable, or a form without `fileContent`',
          schema: ErrorBodySchema,
        },
        413: { description: 'Over a size limit', schema: ErrorBodySchema },
      },
    },
    async (c, { params: { namespace }, query }) => {
      const path = namespaceFilePath(query.path);
      const info = await files.put(namespace, path, await fileBytes(c));
      changed(namespace);
      return c.json(info);
    },
  );

  table.add(
    {
      method: 'delete',
      path: '/namespaces/:namespace/files',
      operationId: 'deleteNamespaceFile',
      tag: 'namespace files',
      summary: 'Delete a namespace file',
      description: 'Stores a delete as a new revision: the history stays readable.',
      params,
      query: T.Object({ path: FilePath }),
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such live file', schema: ErrorBodySchema },
      },
    },
    async (c, { params: { namespace }, query }) => {
      if (!(await files.delete(namespace, query.path))) {
        throw new TernError('NOT_FOUND', `no namespace file '${query.path}' in namespace ${namespace}`);
      }
      changed(namespace);
      return c.body(null, 204);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/namespaces/:namespace/files/directory',
      operationId: 'listNamespaceFiles',
      tag: 'namespace files',
      summary: "List a namespace's files",
      description: 'Every live file, by path; with `path`, those under that folder.',
      params,
      query: T.Object({
        path: T.Optional(T.String({ maxLength: 1024, description: 'A folder, e.g. `/scripts`' })),
      }),
      responses: { 200: { description: 'The files', schema: List(NamespaceFileSchema) } },
    },
    (c, { params: { namespace }, query }) => {
      const folder = (query.path ?? '').split('/').filter(Boolean).join('/');
      const items = files.list(namespace).filter((f) => folder === '' || f.path.startsWith(`${folder}/`));
      return c.json({ items });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/namespaces/:namespace/files/revisions',
      operationId: 'listNamespaceFileRevisions',
      tag: 'namespace files',
      summary: "A namespace file's revisions",
      description: 'Oldest first, deletes included.',
      params,
      query: T.Object({ path: FilePath }),
      responses: {
        200: { description: 'The revisions', schema: List(NamespaceFileRevisionSchema) },
        404: { description: 'A file never written', schema: ErrorBodySchema },
      },
    },
    async (c, { params: { namespace }, query }) => {
      const items = await files.revisions(namespace, query.path);
      if (items.length === 0) {
        throw new TernError('NOT_FOUND', `no namespace file '${query.path}' in namespace ${namespace}`);
      }
      return c.json({ items });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/namespaces',
      operationId: 'listNamespacesWithFiles',
      tag: 'namespace files',
      summary: 'Namespaces holding files',
      responses: { 200: { description: 'Namespace names, sorted', schema: List(T.String()) } },
    },
    (c) => c.json({ items: files.namespaces() }),
  );
}

/** The uploaded bytes: a form's `fileContent` file (Kestra's field), else the body as it is. */
async function fileBytes(c: Context<ApiEnv>): Promise<Uint8Array> {
  const type = mediaType(c);
  if (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded') {
    let fields: FormFields;
    try {
      fields = (await c.req.parseBody({ all: true })) as FormFields;
    } catch (err) {
      throw new TernError('BAD_REQUEST', `malformed form body: ${(err as Error).message}`);
    }
    const field = fields.fileContent;
    const value = Array.isArray(field) ? field[0] : field;
    if (value === undefined) throw new TernError('BAD_REQUEST', 'the form has no `fileContent` field');
    return typeof value === 'string'
      ? new TextEncoder().encode(value)
      : new Uint8Array(await value.arrayBuffer());
  }
  return new Uint8Array(await c.req.arrayBuffer());
}
