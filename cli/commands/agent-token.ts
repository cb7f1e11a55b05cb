/** `tern agents rotate-token`: a new broker token for a live agent, the old one refused at once. */
import { type ApiClient, enc } from '../client.js';
import { emit, type Output } from './remote.js';

/**
 * Asks the hub for a new token for `agentId` and prints it alone on stdout (`--json`: `{"token": …}`),
 * so that `TOKEN=$(tern agents rotate-token gw-01)` keeps it; what to do with it goes to stderr.
 */
export async function rotateToken(client: ApiClient, out: Output, agentId: string): Promise<number> {
  const answer = (await client.request<{ token: string }>('POST', `/agents/${enc(agentId)}/token`))!;
  return emit(out, answer, () => {
    out.printer.line(answer.token);
    process.stderr.write(
      `agent ${agentId}: new token above, shown only now; its old token no longer logs in. Restart the agent with --token <new token>.\n`,
    );
  });
}
