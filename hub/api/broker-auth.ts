/**
 * Broker authentication routes: EMQX's HTTP authenticator and authorizer and
 * VerneMQ's webhooks ask the hub whether an agent may log in, publish or subscribe.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Static, Type as T } from '@sinclair/typebox';
import type { MiddlewareHandler } from 'hono';
import { TernError } from '../../protocol/errors.js';
import type { BrokerVerdict, ExternalBrokerAuth } from '../broker/external-auth.js';
import type { ApiEnv, RouteTable } from './route.js';
import { ErrorBodySchema } from './schemas.js';
import type { HubServices } from './services.js';

/** The decisions and the secret a broker must send to ask for them. */
export interface BrokerAuthService {
  auth: ExternalBrokerAuth;
  /** Sent by the broker as `Authorization: Bearer <secret>`, or as the password of Basic authentication. */
  secret: string;
}

/** An EMQX placeholder as written in its request templates: `${name}`. */
const emqx = (name: string): string => `\${${name}}`;
/** The request bodies to configure in EMQX, one line of JSON each. */
const EMQX_LOGIN_TEMPLATE = `{"username":"${emqx('username')}","password":"${emqx('password')}","clientid":"${emqx('clientid')}"}`;
const EMQX_ACCESS_TEMPLATE = `{"username":"${emqx('username')}","topic":"${emqx('topic')}","action":"${emqx('action')}"}`;

const EmqxVerdict = T.Union([T.Literal('allow'), T.Literal('deny'), T.Literal('ignore')]);
const EmqxLogin = T.Object({
  username: T.String({ description: `\`${emqx('username')}\`` }),
  password: T.String({ description: `\`${emqx('password')}\`` }),
  clientid: T.String({ description: `\`${emqx('clientid')}\`` }),
});
const EmqxAccess = T.Object({
  username: T.String({ description: `\`${emqx('username')}\`` }),
  topic: T.String({
    description: `\`${emqx('topic')}\`: the topic published to, or the filter subscribed to`,
  }),
  action: T.Union([T.Literal('publish'), T.Literal('subscribe')], { description: `\`${emqx('action')}\`` }),
});
// VerneMQ sends more fields than these (peer address, mountpoint, payload…); they are not needed.
// 0 to 2 asked for; 128 and 135 in answers mean refused.
const VerneTopic = T.Object({ topic: T.String(), qos: T.Integer({ minimum: 0, maximum: 255 }) });
const VerneHookBody = T.Object({
  username: T.Optional(T.Union([T.String(), T.Null()])),
  password: T.Optional(T.Union([T.String(), T.Null()])),
  client_id: T.Optional(T.String()),
  topic: T.Optional(T.String()),
  topics: T.Optional(T.Array(VerneTopic)),
});
const VerneAnswer = T.Object({
  result: T.Union([T.Literal('ok'), T.Literal('next'), T.Object({ error: T.String() })]),
  topics: T.Optional(T.Array(VerneTopic)),
  modifiers: T.Optional(T.Object({ topics: T.Array(VerneTopic) })),
});

const REFUSALS = {
  401: { description: 'Missing or wrong broker secret', schema: ErrorBodySchema },
  403: {
    description: 'The hub was started without a broker secret: these routes are off',
    schema: ErrorBodySchema,
  },
};

/** Registers the routes under `/broker/`; without `services.brokerAuth` each answers 403. */
export function brokerAuthRoutes(table: RouteTable, services: HubServices): void {
  const guard = brokerSecretGuard(services.brokerAuth?.secret);
  const decide = (): ExternalBrokerAuth => services.brokerAuth!.auth;

  table.add(
    {
      method: 'post',
      path: '/broker/emqx/authenticate',
      operationId: 'emqxAuthenticate',
      tag: 'broker',
      summary: "EMQX HTTP authentication of an agent's login",
      description: `For EMQX's HTTP authenticator (POST, JSON body \`${EMQX_LOGIN_TEMPLATE}\`). \`allow\` for a live agent's id with its token under a client id of its own (the id, or the id then \`:\`); \`deny\` for a registered or decommissioned agent otherwise; \`ignore\` for any other username (the hub's own login), left to the next authenticator. The broker sends the hub's broker secret (\`tern hub --broker-auth-secret\`) as \`Authorization: Bearer <secret>\`.`,
      auth: false,
      guard,
      body: { json: EmqxLogin },
      responses: {
        200: {
          description: 'The verdict',
          schema: T.Object({ result: EmqxVerdict, is_superuser: T.Boolean() }),
        },
        ...REFUSALS,
      },
    },
    async (c, { body }) => {
      const login = jsonBody<Static<typeof EmqxLogin>>(body);
      const result = await decide().authenticate(login.username, login.password, login.clientid);
      return c.json({ result, is_superuser: false });
    },
  );

  table.add(
    {
      method: 'post',
      path: '/broker/emqx/authorize',
      operationId: 'emqxAuthorize',
      tag: 'broker',
      summary: "EMQX HTTP authorization of an agent's publish or subscribe",
      description: `For EMQX's HTTP authorizer (POST, JSON body \`${EMQX_ACCESS_TEMPLATE}\`). An agent gets the topics the embedded broker gives it (docs/protocol.md); a decommissioned agent none; any other username \`ignore\`.`,
      auth: false,
      guard,
      body: { json: EmqxAccess },
      responses: {
        200: { description: 'The verdict', schema: T.Object({ result: EmqxVerdict }) },
        ...REFUSALS,
      },
    },
    async (c, { body }) => {
      const access = jsonBody<Static<typeof EmqxAccess>>(body);
      return c.json({ result: await decide().authorize(access.username, access.action, access.topic) });
    },
  );

  table.add(
    {
      method: 'post',
      path: '/broker/vernemq',
      operationId: 'vernemqWebhook',
      tag: 'broker',
      summary: "VerneMQ webhook: an agent's login, publish or subscribe",
      description:
        'For `vmq_webhooks`, registered for `auth_on_register`, `auth_on_publish` and `auth_on_subscribe` (and their `_m5` forms); the hook is read from the `vernemq-hook` header. `ok` for what an agent may do, `{"error": …}` for what it may not, `next` for any other username. A subscription with some filters refused answers `ok` with those filters at QoS 128 (135 for MQTT 5). No `cache-control`: a decommissioned agent is refused at its next call. The broker sends the secret as the password of Basic authentication (in the endpoint URL).',
      auth: false,
      guard,
      body: { json: VerneHookBody },
      responses: {
        200: { description: 'The verdict', schema: VerneAnswer },
        400: { description: 'A hook other than the three', schema: ErrorBodySchema },
        ...REFUSALS,
      },
    },
    async (c, { body }) => {
      const hook = c.req.header('vernemq-hook') ?? '';
      const call = jsonBody<Static<typeof VerneHookBody>>(body);
      return c.json(await vernemqHook(decide(), hook, call));
    },
  );
}

/** Answers one VerneMQ hook. */
async function vernemqHook(
  auth: ExternalBrokerAuth,
  hook: string,
  call: Static<typeof VerneHookBody>,
): Promise<Static<typeof VerneAnswer>> {
  const mqtt5 = hook.endsWith('_m5');
  const username = call.username ?? '';
  switch (mqtt5 ? hook.slice(0, -3) : hook) {
    case 'auth_on_register':
      return verneResult(
        await auth.authenticate(username, call.password ?? '', call.client_id ?? ''),
        'invalid_credentials',
      );
    case 'auth_on_publish':
      return verneResult(await auth.authorize(username, 'publish', call.topic ?? ''), 'not_allowed');
    case 'auth_on_subscribe': {
      const topics = call.topics ?? [];
      const verdicts = await Promise.all(topics.map((t) => auth.authorize(username, 'subscribe', t.topic)));
      if (verdicts.some((v) => v === 'ignore')) return { result: 'next' };
      if (verdicts.every((v) => v === 'allow')) return { result: 'ok' };
      // The refused filters only, as the embedded broker grants the others.
      const refused = mqtt5 ? 135 : 128;
      const granted = topics.map((t, i) => ({
        topic: t.topic,
        qos: verdicts[i] === 'allow' ? t.qos : refused,
      }));
      return mqtt5 ? { result: 'ok', modifiers: { topics: granted } } : { result: 'ok', topics: granted };
    }
    default:
      throw new TernError(
        'BAD_REQUEST',
        `vernemq-hook '${hook}' is not answered here: register auth_on_register, auth_on_publish and auth_on_subscribe (or their _m5 forms)`,
      );
  }
}

function verneResult(verdict: BrokerVerdict, error: string): Static<typeof VerneAnswer> {
  if (verdict === 'allow') return { result: 'ok' };
  return verdict === 'ignore' ? { result: 'next' } : { result: { error } };
}

function jsonBody<B>(body: { kind: string; value?: unknown }): B {
  if (body.kind !== 'json') throw new TernError('BAD_REQUEST', 'send the call as JSON');
  return body.value as B;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const BASIC = /^Basic\s+(\S+)\s*$/i;

/**
 * Checks the broker's secret before anything else is read: `Bearer <secret>`,
 * or Basic authentication with it as the password (VerneMQ's webhooks take no
 * headers, only a URL). Without a secret configured every call is refused.
 */
function brokerSecretGuard(secret: string | undefined): MiddlewareHandler<ApiEnv> {
  const expected = secret === undefined ? undefined : digest(secret);
  return async (c, next) => {
    if (expected === undefined)
      throw new TernError(
        'FORBIDDEN',
        'broker authentication is off: start the hub with --broker-auth-secret (TERN_BROKER_AUTH_SECRET)',
      );
    const given = presentedSecret(c.req.header('authorization') ?? '');
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      c.header('WWW-Authenticate', 'Basic realm="tern-broker"');
      throw new TernError('UNAUTHORIZED', 'missing or wrong broker secret');
    }
    await next();
  };
}

function presentedSecret(header: string): string | undefined {
  const bearer = BEARER.exec(header)?.[1];
  if (bearer !== undefined) return bearer;
  const basic = BASIC.exec(header)?.[1];
  if (basic === undefined) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** Equal-length digests, so that the comparison takes the same time whatever was sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
