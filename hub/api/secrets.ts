/** Secret routes: names only when listing; values go in, never out. */
import { type Static, Type as T } from '@sinclair/typebox';
import { TernError } from '../../protocol/errors.js';
import type { HubSecrets } from '../secrets/hub-secrets.js';
import type { RequestBody } from './body.js';
import type { RouteTable } from './route.js';
import { ErrorBodySchema, List, Namespace } from './schemas.js';
import type { HubServices } from './services.js';

/** What the secret routes use. */
export type SecretsService = Pick<HubSecrets, 'list' | 'set' | 'delete'>;

const SecretName = T.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,127}$',
  description: "What `secret('NAME')` takes: letters, digits, `_`, `.` and `-`",
});

const SecretInfoSchema = T.Object({
  namespace: T.Union([T.String(), T.Null()], { description: 'null for a global secret' }),
  name: T.String(),
  source: T.Union([T.Literal('store'), T.Literal('environment')], {
    description: '`environment`: a TERN_SECRET_* variable of the hub, read-only',
  }),
  updatedAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
});

const ValueBody = T.Object(
  { value: T.String({ description: 'The secret value (stored encrypted; never returned)' }) },
  { additionalProperties: false },
);

/** Registers `/secrets` routes. */
export function secretRoutes(table: RouteTable, services: HubServices): void {
  const secrets = () => {
    if (!services.secrets) throw new TernError('NOT_FOUND', 'this hub keeps no secrets');
    return services.secrets;
  };
  const lookup =
    "A flow reads a secret with `{{ secret('NAME') }}`: the hub looks in the flow's namespace, then each parent namespace, then among global secrets, then among its TERN_SECRET_* variables.";

  table.add(
    {
      method: 'get',
      path: '/secrets',
      operationId: 'listSecrets',
      tag: 'secrets',
      summary: 'List secret names',
      description: `Names and dates only, never values. ${lookup}`,
      query: T.Object({
        namespace: T.Optional(
          T.String({ maxLength: 256, description: "Only this namespace ('' for global)" }),
        ),
      }),
      responses: { 200: { description: 'The secrets', schema: List(SecretInfoSchema) } },
    },
    (c, { query }) => c.json({ items: secrets().list(query.namespace) }),
  );

  const put = async (namespace: string | null, name: string, body: RequestBody<Static<typeof ValueBody>>) => {
    if (body.kind !== 'json') throw new TernError('BAD_REQUEST', 'send `{"value": "…"}` as JSON');
    return secrets().set(namespace, name, body.value.value);
  };
  const responses = {
    200: { description: 'Stored (encrypted)', schema: SecretInfoSchema },
    409: { description: 'The hub has no TERN_SECRET_KEY', schema: ErrorBodySchema },
  };

  table.add(
    {
      method: 'put',
      path: '/secrets/:namespace/:name',
      operationId: 'putNamespaceSecret',
      tag: 'secrets',
      summary: 'Set a secret of a namespace',
      description: `Seen by flows of the namespace and the namespaces below it. ${lookup}`,
      params: T.Object({ namespace: Namespace, name: SecretName }),
      body: { json: ValueBody },
      responses,
    },
    async (c, { params, body }) => c.json(await put(params.namespace, params.name, body)),
  );

  table.add(
    {
      method: 'put',
      path: '/secrets/:name',
      operationId: 'putGlobalSecret',
      tag: 'secrets',
      summary: 'Set a global secret',
      description: `Seen by every flow the hub runs. ${lookup}`,
      params: T.Object({ name: SecretName }),
      body: { json: ValueBody },
      responses,
    },
    async (c, { params, body }) => c.json(await put(null, params.name, body)),
  );

  const remove = async (namespace: string | null, name: string) => {
    if (!(await secrets().delete(namespace, name)))
      throw new TernError('NOT_FOUND', `no secret ${name}${namespace ? ` in namespace ${namespace}` : ''}`);
  };

  table.add(
    {
      method: 'delete',
      path: '/secrets/:namespace/:name',
      operationId: 'deleteNamespaceSecret',
      tag: 'secrets',
      summary: 'Delete a secret of a namespace',
      params: T.Object({ namespace: Namespace, name: SecretName }),
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such secret', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      await remove(params.namespace, params.name);
      return c.body(null, 204);
    },
  );

  table.add(
    {
      method: 'delete',
      path: '/secrets/:name',
      operationId: 'deleteGlobalSecret',
      tag: 'secrets',
      summary: 'Delete a global secret',
      params: T.Object({ name: SecretName }),
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such secret', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      await remove(null, params.name);
      return c.body(null, 204);
    },
  );
}
