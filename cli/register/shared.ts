/** What every command's registration shares: the environment, the printer, and the flags common to API commands. */
import { type Command, Option } from 'commander';
import type { CliEnvironment } from '../config.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import type { Printer } from '../format.js';

/** Handed to each command's `register`: read once in main.ts. */
export interface CliContext {
  env: CliEnvironment;
  printer: Printer;
  version: string;
}

/** The flags that every API command has (`--server`, `--token`, the hub's CA and pins, `--json`). */
export interface ApiFlags {
  server: string;
  token?: string;
  json?: boolean;
  caFile?: string;
  tlsPin?: string[];
}

/** A repeatable option's parser: each occurrence is appended. */
export const collect = (v: string, acc: string[]) => [...acc, v];

/** A parser for a whole, non-negative number, naming the flag when the value is not one. */
export const integer = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${name}: '${v}' is not a whole number`, EXIT_USAGE);
  return n;
};

/** Adds --ca-file and --tls-pin (defaults from TERN_CA_FILE and TERN_TLS_PIN): how the hub's certificate is checked. */
export function hubTrust(c: Command, { env }: CliContext): Command {
  return c
    .addOption(
      new Option('--ca-file <file>', "the hub's CA certificate, PEM (TERN_CA_FILE)").default(env.caFile),
    )
    .addOption(
      new Option(
        '--tls-pin <pin>',
        'accept only this hub certificate: sha256/<base64 of its public key> or its SHA-256 fingerprint (repeatable; TERN_TLS_PIN)',
      )
        // Pins given as flags replace those of TERN_TLS_PIN rather than adding to them.
        .argParser((pin: string, pins: string[] | undefined) =>
          pins === env.tlsPins || pins === undefined ? [pin] : [...pins, pin],
        )
        .default(env.tlsPins.length > 0 ? env.tlsPins : undefined),
    );
}

/** Adds --server/--token (defaults from TERN_SERVER/TERN_TOKEN), the hub's CA and pins, and --json to an API command. */
export function api(c: Command, cli: CliContext): Command {
  return hubTrust(
    c
      .addOption(new Option('--server <url>', 'hub URL (TERN_SERVER)').default(cli.env.server))
      .addOption(new Option('--token <token>', 'API token (TERN_TOKEN)').default(cli.env.token)),
    cli,
  ).option('--json', 'print JSON', false);
}

/** The API client and output settings of an API command, with the modules that talk to the hub (loaded now). */
export async function apiContext(o: ApiFlags, { printer }: CliContext) {
  const [{ ApiClient }, remote, secrets, files] = await Promise.all([
    import('../client.js'),
    import('../commands/remote.js'),
    import('../commands/secrets.js'),
    import('../commands/namespace-files.js'),
  ]);
  const tls = o.caFile || o.tlsPin?.length ? { caFile: o.caFile, pins: o.tlsPin } : undefined;
  const client = new ApiClient({ server: o.server, token: o.token, tls });
  return { client, out: { printer, json: o.json === true }, remote, secrets, files };
}
