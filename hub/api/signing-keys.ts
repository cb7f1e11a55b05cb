/** Signing key routes: the keys the hub signs agents' desired states with, and their rotation. */
import { Type as T } from '@sinclair/typebox';
import { TernError } from '../../protocol/errors.js';
import type { SigningControl } from '../signing/rotation.js';
import type { RouteTable } from './route.js';
import { ErrorBodySchema } from './schemas.js';
import type { HubServices } from './services.js';

const KeyText = T.String({ description: 'An Ed25519 public key: its 32 bytes, base64url' });

/** The hub's signing keys, as `GET /signing-keys` and the rotation routes answer. */
export const SigningKeysSchema = T.Object({
  current: KeyText,
  next: T.Optional(KeyText),
  keys: T.Array(
    T.Object({
      publicKey: KeyText,
      fingerprint: T.String({ description: 'First 16 hex digits of SHA-256 of the key, as agents log it' }),
      state: T.Union([T.Literal('current'), T.Literal('next'), T.Literal('retired')]),
      createdAt: T.String({ format: 'date-time' }),
    }),
  ),
});

const ROTATION =
  'A rotation has two steps. `POST /signing-keys/next` makes a next key; every desired state the hub publishes from then on is still signed by the current key and announces the next one (endorsed by the current key), so agents trust both. `POST /signing-keys/next/promote` then makes the next key sign; the old one is retired and its private key deleted. An agent away for the whole rotation still accepts the new key: every document carries the chain of endorsements from the first key.';

/** Registers `/signing-keys` routes. */
export function signingKeyRoutes(table: RouteTable, services: HubServices): void {
  const signing = (): SigningControl => {
    if (!services.signing) throw new TernError('NOT_FOUND', 'this hub signs nothing: it runs no fleet');
    return services.signing;
  };
  const view = (s: SigningControl) => {
    const keys = s.list();
    const next = keys.find((k) => k.state === 'next')?.publicKey;
    return { current: s.current, ...(next && { next }), keys };
  };
  const answer = { 200: { description: "The hub's signing keys", schema: SigningKeysSchema } };

  table.add(
    {
      method: 'get',
      path: '/signing-keys',
      operationId: 'listSigningKeys',
      tag: 'agents',
      summary: "The hub's signing keys",
      description: `Public keys only. \`current\` is the one agents are given at registration (\`tern agent --hub-key\`). ${ROTATION}`,
      responses: answer,
    },
    (c) => c.json(view(signing())),
  );

  table.add(
    {
      method: 'post',
      path: '/signing-keys/next',
      operationId: 'beginSigningKeyRotation',
      tag: 'agents',
      summary: 'Begin a signing key rotation: announce a next key to every agent',
      description: `Makes a next key unless one is announced already, and publishes every live agent's desired state again. ${ROTATION}`,
      responses: answer,
    },
    async (c) => {
      const s = signing();
      await s.beginRotation();
      return c.json(view(s));
    },
  );

  table.add(
    {
      method: 'post',
      path: '/signing-keys/next/promote',
      operationId: 'finishSigningKeyRotation',
      tag: 'agents',
      summary: 'Finish a signing key rotation: the next key signs from now on',
      description: `Publishes every live agent's desired state again, signed by the new key. ${ROTATION}`,
      responses: { ...answer, 409: { description: 'No rotation under way', schema: ErrorBodySchema } },
    },
    async (c) => {
      const s = signing();
      await s.finishRotation();
      return c.json(view(s));
    },
  );
}
