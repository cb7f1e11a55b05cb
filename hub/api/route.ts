/**
 * Route definitions: one object per route says its method, path, schemas and
 * responses. The table registers the route on hono with validation in front of
 * the handler and keeps the definition, from which the OpenAPI document is built.
 */
import { type Static, Type as T, type TObject, type TSchema } from '@sinclair/typebox';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { ApiTokenInfo } from '../store/types.js';
import { type BodyKinds, type RequestBody, readBody } from './body.js';
import type { RevokedListener } from './revocations.js';
import { compileCheck, nulProblems, rejectProblems } from './validation.js';

/** What the API's middleware leave on the context. */
export interface ApiEnv {
  Variables: {
    /** The matched route's path template, for metrics. */
    route: string;
    /** The caller's token, on authenticated routes. */
    token: ApiTokenInfo;
    /**
     * On authenticated routes: calls the listener when the caller's token is
     * revoked, until the returned function is called. Requests that outlive
     * their handler (event streams, waits) end with it.
     */
    onRevoked: (listener: RevokedListener) => () => void;
  };
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omit for empty responses. */
  schema?: TSchema;
  /** Media type when the body is not JSON (e.g. `text/event-stream`). */
  mediaType?: string;
}

export interface BodySpec<B extends TSchema> {
  description?: string;
  /** Defaults to true. */
  required?: boolean;
  /** Schema of a JSON body, checked before the handler runs. */
  json?: B;
  /** Accepts a YAML document (handed over as text). */
  yaml?: boolean;
  /** Accepts `multipart/form-data` or URL-encoded fields; documented by this schema. */
  form?: TSchema;
  /** Accepts any body and leaves it for the handler to read. */
  raw?: boolean;
}

export interface RouteSpec<P extends TObject, Q extends TObject, B extends TSchema> {
  method: Method | readonly Method[];
  /** Path below the API base, hono syntax: `/flows/:namespace/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** False for routes anyone may call (health, webhooks, docs). Defaults to true. */
  auth?: boolean;
  /**
   * With `auth: false`, a check of the route's own credentials (a shared
   * secret instead of an API token), run before anything is read or validated.
   */
  guard?: MiddlewareHandler<ApiEnv>;
  params?: P;
  /** Query parameters; unknown ones are refused. A list parameter may be repeated. */
  query?: Q;
  /** List parameters that also take comma-separated values (`state=FAILED,KILLED`). */
  commaLists?: readonly (keyof Static<Q> & string)[];
  body?: BodySpec<B>;
  responses: Record<number, ResponseSpec>;
}

/** What a handler receives: validated, typed parameters, query and body. */
export interface RouteInput<P extends TObject, Q extends TObject, B extends TSchema> {
  params: Static<P>;
  query: Static<Q>;
  body: RequestBody<Static<B>>;
}

export type RouteHandler<P extends TObject, Q extends TObject, B extends TSchema> = (
  c: Context<ApiEnv>,
  input: RouteInput<P, Q, B>,
) => Response | Promise<Response>;

/** A route as the OpenAPI builder sees it. */
export type AnyRouteSpec = RouteSpec<TObject, TObject, TSchema>;

const EMPTY = T.Object({});

/**
 * Registers routes on a hono app under `base` and remembers their definitions.
 *
 * @example
 * table.add({ method: 'get', path: '/agents/:id', operationId: 'getAgent', summary: 'One agent',
 *   tag: 'agents', params: T.Object({ id: T.String() }), responses: { 200: { description: 'The agent', schema: Agent } } },
 *   async (c, { params }) => c.json(await find(params.id)));
 */
export class RouteTable {
  readonly routes: AnyRouteSpec[] = [];

  constructor(
    private readonly app: Hono<ApiEnv>,
    readonly base: string,
    private readonly authenticate: MiddlewareHandler<ApiEnv>,
  ) {}

  add<P extends TObject = typeof EMPTY, Q extends TObject = typeof EMPTY, B extends TSchema = TSchema>(
    spec: RouteSpec<P, Q, B>,
    handler: RouteHandler<P, Q, B>,
  ): void {
    this.routes.push(spec as unknown as AnyRouteSpec);
    // Unknown parameters are refused, so a misspelt filter is an error rather than ignored.
    const checkParams = compileCheck(closed(spec.params ?? EMPTY), 'path');
    const checkQuery = spec.query ? compileCheck(closed(spec.query), 'query') : undefined;
    const checkBody = spec.body?.json ? compileCheck(spec.body.json, 'body') : undefined;
    const lists = listParameters(spec.query);
    const comma = new Set<string>(spec.commaLists ?? []);
    const kinds: BodyKinds = {
      json: spec.body?.json !== undefined,
      yaml: spec.body?.yaml === true,
      form: spec.body?.form !== undefined,
      raw: spec.body?.raw === true,
    };
    const path = this.base + spec.path;
    const run: MiddlewareHandler<ApiEnv> = async (c) => {
      const params: Record<string, unknown> = { ...c.req.param() };
      const problems = [...nulProblems(params, 'path'), ...checkParams(params)];
      const query = checkQuery ? queryObject(c, lists, comma) : {};
      if (checkQuery) problems.push(...nulProblems(query, 'query'), ...checkQuery(query));
      rejectProblems(problems);
      const body = spec.body
        ? await readBody(c, kinds, spec.body.required !== false)
        : { kind: 'none' as const };
      if (body.kind === 'json' && checkBody) rejectProblems(checkBody(body.value));
      return handler(c, { params, query, body } as RouteInput<P, Q, B>);
    };
    const named: MiddlewareHandler<ApiEnv> = async (c, next) => {
      c.set('route', path);
      await next();
    };
    const chain =
      spec.auth === false
        ? [named, ...(spec.guard ? [spec.guard] : []), run]
        : [named, this.authenticate, run];
    const methods = typeof spec.method === 'string' ? [spec.method] : spec.method;
    for (const method of methods) this.app.on(method.toUpperCase(), [path], ...chain);
  }
}

const closed = (schema: TObject): TObject => ({ ...schema, additionalProperties: false });

/** Names of query parameters declared as arrays: those keep every value given. */
function listParameters(query: TObject | undefined): Set<string> {
  const names = new Set<string>();
  for (const [name, schema] of Object.entries(query?.properties ?? {})) {
    if ((schema as { type?: unknown }).type === 'array') names.add(name);
  }
  return names;
}

/** The query string as an object: list parameters as arrays, others as their last value. */
function queryObject(
  c: Context,
  lists: ReadonlySet<string>,
  comma: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (!lists.has(name)) out[name] = values[values.length - 1];
    else out[name] = comma.has(name) ? values.flatMap((v) => v.split(',')).filter((v) => v !== '') : values;
  }
  return out;
}
