/**
 * Request headers that carry credentials, which a webhook's trigger data
 * never holds: the execution stores its trigger, shows it in the API and the
 * UI, and syncs it from an agent to the hub.
 */

/**
 * A header whose name holds one of these is dropped: `Authorization`,
 * `Proxy-Authorization`, `Cookie`, `X-Api-Key`, `X-Auth-Token`,
 * `X-Gitlab-Token`, `X-Vault-Token`, `X-Session-Id`, `X-Client-Secret`…
 * Signatures (`X-Hub-Signature-256`) are kept: they are made from the body
 * with a key the sender keeps, and a flow may check them.
 */
export const CREDENTIAL_HEADER = /auth|token|secret|passw(or)?d|api[-_]?key|session|credential|cookie/i;

/**
 * The headers without those that carry credentials ({@link CREDENTIAL_HEADER}).
 *
 * @example withoutCredentials({ authorization: 'Bearer x', 'x-request-id': '7' }) // { 'x-request-id': '7' }
 */
export function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!CREDENTIAL_HEADER.test(name)) kept[name] = value;
  return kept;
}
