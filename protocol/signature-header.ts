/** The header line of a document the hub signs, and the key endorsements it carries: shapes only, no Node module. */
import { type Static, Type as T } from '@sinclair/typebox';

/** A public key as text: the 32 raw bytes of an Ed25519 key, base64url (a JWK's `x`). */
export type PublicKeyText = string;

/** One key vouching for the next: `by` signed `key` (a rotation's announcement, kept for agents that missed it). */
export const EndorsementSchema = T.Object({
  key: T.String({ minLength: 43, maxLength: 43 }),
  by: T.String({ minLength: 43, maxLength: 43 }),
  sig: T.String({ minLength: 1, maxLength: 128 }),
});
export type Endorsement = Static<typeof EndorsementSchema>;

/** The first line of a signed document: who signed and the signature; the payload follows the newline. */
export const SignatureHeaderSchema = T.Object({
  v: T.Literal(1),
  key: EndorsementSchema.properties.key,
  sig: EndorsementSchema.properties.sig,
  endorsements: T.Optional(T.Array(EndorsementSchema, { maxItems: 1000 })),
});
export type SignatureHeader = Static<typeof SignatureHeaderSchema>;
