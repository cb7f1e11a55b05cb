/** `tern start`: Tern on one machine, to try it. */
import type { Command } from 'commander';
import { lowerHelperThreads } from '../../runtime/thread-priority.js';
import { type CliContext, integer } from './shared.js';

/** Adds `tern start`. */
export function register(program: Command, { env, printer }: CliContext): void {
  program
    .command('start')
    .description(
      'try Tern on this machine: a hub with its embedded database and broker, and the example flows',
    )
    .option('--port <port>', 'HTTP port', integer('--port'), 8080)
    .option('--mqtt-port <port>', 'embedded MQTT broker port', integer('--mqtt-port'), 1883)
    .option('--host <address>', 'address the hub listens on (0.0.0.0: every interface)', '127.0.0.1')
    .option('--data-dir <dir>', 'where everything is kept', '.tern/hub')
    .option('--examples <dir>', 'flows to deploy', 'examples')
    .action(
      async (o: { port: number; mqttPort: number; host: string; dataDir: string; examples: string }) => {
        void lowerHelperThreads();
        const { startCommand } = await import('../commands/start.js');
        await startCommand(
          {
            ...o,
            logLevel: env.logLevel === 'info' ? 'warn' : env.logLevel,
            adminToken: env.adminToken,
            secretKey: env.secretKey,
            secrets: env.secrets,
          },
          printer,
        );
      },
    );
}
