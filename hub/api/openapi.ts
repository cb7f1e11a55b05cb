/** The OpenAPI 3.1 document, built from the route definitions (the same schemas that validate requests). */
import type { TObject, TSchema } from '@sinclair/typebox';
import { YAML_TYPES } from './body.js';
import type { AnyRouteSpec, ResponseSpec } from './route.js';
import { ErrorBodySchema, NAMED_SCHEMAS } from './schemas.js';

type Json = Record<string, unknown>;

const NAMES = new Map<unknown, string>(Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [schema, name]));

/**
 * The plain JSON Schema of a TypeBox schema (its symbol keys dropped), each
 * named schema in it replaced by a reference to its component; with
 * `definition`, the schema itself is expanded (it is the component).
 */
function plain(schema: TSchema, definition = false): Json {
  const convert = (node: unknown, top: boolean): unknown => {
    const name = top && definition ? undefined : NAMES.get(node);
    if (name) return { $ref: `#/components/schemas/${name}` };
    if (Array.isArray(node)) return node.map((item) => convert(item, false));
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, convert(value, false)]));
  };
  return convert(schema, true) as Json;
}

const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

function parameters(where: 'path' | 'query', schema: TObject | undefined): Json[] {
  if (!schema) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, property]) => {
    const json = plain(property);
    const { description, ...rest } = json;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description !== undefined && { description }),
      schema: rest,
      ...(rest.type === 'array' && { style: 'form', explode: true }),
    };
  });
}

function requestBody(route: AnyRouteSpec): Json | undefined {
  const body = route.body;
  if (!body) return undefined;
  const content: Json = {};
  if (body.json) content['application/json'] = { schema: plain(body.json) };
  if (body.yaml) for (const type of YAML_TYPES) content[type] = { schema: { type: 'string' } };
  if (body.form) content['multipart/form-data'] = { schema: plain(body.form) };
  if (body.raw) content['*/*'] = { schema: {} };
  return {
    required: body.required !== false,
    ...(body.description && { description: body.description }),
    content,
  };
}

const errorResponse = (description: string): ResponseSpec => ({ description, schema: ErrorBodySchema });

function responses(route: AnyRouteSpec): Json {
  const all: Record<number, ResponseSpec> = { ...route.responses };
  const validated = route.params || route.query || route.body;
  if (validated) all[400] ??= errorResponse('Bad request: a parameter or the body is invalid (BAD_REQUEST)');
  if (route.auth !== false) all[401] ??= errorResponse('Missing, invalid or revoked token (UNAUTHORIZED)');
  if (route.body) all[413] ??= errorResponse('The body is too large (PAYLOAD_TOO_LARGE)');
  all[500] ??= errorResponse('Internal error');
  const out: Json = {};
  for (const [status, spec] of Object.entries(all)) {
    out[status] = {
      description: spec.description,
      ...(spec.schema && {
        content: { [spec.mediaType ?? 'application/json']: { schema: plain(spec.schema) } },
      }),
    };
  }
  return out;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/**
 * Builds the OpenAPI document of `routes` (mounted under `base`).
 *
 * @example openApiDocument(table.routes, '/api/v1', { title: 'Tern hub', version: '0.1.0' }).paths['/api/v1/flows']
 */
export function openApiDocument(routes: readonly AnyRouteSpec[], base: string, info: OpenApiInfo): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const methods = typeof route.method === 'string' ? [route.method] : route.method;
    const path = openApiPath(base + route.path);
    const item = paths[path] ?? {};
    paths[path] = item;
    for (const method of methods) {
      const body = method === 'get' ? undefined : requestBody(route);
      item[method] = {
        operationId:
          methods.length > 1
            ? `${route.operationId}${method[0]!.toUpperCase()}${method.slice(1)}`
            : route.operationId,
        summary: route.summary,
        ...(route.description && { description: route.description }),
        tags: [route.tag],
        ...(route.auth === false && { security: [] }),
        parameters: [...parameters('path', route.params), ...parameters('query', route.query)],
        ...(body && { requestBody: body }),
        responses: responses(route),
      };
    }
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: Object.fromEntries(
        Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [name, plain(schema, true)]),
      ),
    },
    paths,
  };
}
