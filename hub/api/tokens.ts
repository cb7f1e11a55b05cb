/** API token routes: list, create (the secret is shown once) and revoke. */
import { Type as T } from '@sinclair/typebox';
import { TernError } from '../../protocol/errors.js';
import type { TokenRevocations } from './revocations.js';
import type { RouteTable } from './route.js';
import { ErrorBodySchema, List, NO_NUL_PATTERN, TokenInfoSchema } from './schemas.js';
import type { HubServices } from './services.js';

/** Registers the token routes; a revocation is told to `revocations`, which ends the token's open streams. */
export function tokenRoutes(table: RouteTable, services: HubServices, revocations: TokenRevocations): void {
  const { tokens } = services.storage;

  table.add(
    {
      method: 'get',
      path: '/tokens',
      operationId: 'listTokens',
      tag: 'tokens',
      summary: 'List API tokens',
      description: 'Never the secrets: only their first characters (`prefix`).',
      responses: {
        200: { description: 'Every token, revoked ones included', schema: List(TokenInfoSchema) },
      },
    },
    async (c) => c.json({ items: await tokens.list() }),
  );

  table.add(
    {
      method: 'post',
      path: '/tokens',
      operationId: 'createToken',
      tag: 'tokens',
      summary: 'Create an API token',
      description: 'The token is in this response only; the hub keeps its hash.',
      body: {
        json: T.Object(
          { name: T.String({ minLength: 1, maxLength: 200, pattern: NO_NUL_PATTERN }) },
          { additionalProperties: false },
        ),
      },
      responses: {
        201: {
          description: 'The token and its info',
          schema: T.Object({ token: T.String(), info: TokenInfoSchema }),
        },
      },
    },
    async (c, { body }) => {
      if (body.kind !== 'json') throw new TernError('BAD_REQUEST', 'send the token name as JSON');
      const { token, info } = await tokens.create(body.value.name);
      return c.json({ token, info }, 201);
    },
  );

  table.add(
    {
      method: 'delete',
      path: '/tokens/:id',
      operationId: 'revokeToken',
      tag: 'tokens',
      summary: 'Revoke an API token',
      description:
        'The token is refused from now on, and the requests still open under it (`/events` and `follow` streams, `wait=true`) end at once. The last live token cannot be revoked: create another one first.',
      params: T.Object({ id: T.String({ minLength: 1, maxLength: 200 }) }),
      responses: {
        204: { description: 'Revoked' },
        404: { description: 'No such live token', schema: ErrorBodySchema },
        409: {
          description: 'The last live token: revoking it would leave nobody able to use the API',
          schema: ErrorBodySchema,
        },
      },
    },
    async (c, { params }) => {
      const outcome = await tokens.revoke(params.id);
      if (outcome === 'not-found') throw new TernError('NOT_FOUND', `no live token ${params.id}`);
      if (outcome === 'last-live-token')
        throw new TernError(
          'CONFLICT',
          `token ${params.id} is the last live token: revoking it would leave nobody able to use the API; create another token first (POST /api/v1/tokens)`,
        );
      revocations.revoked(params.id);
      return c.body(null, 204);
    },
  );
}
