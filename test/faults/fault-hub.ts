/**
 * The hub of a fault test, run one of two ways: as its own process (which a
 * test can kill), or in the test's process (whose embedded broker's hub login
 * a test can borrow). Either way it starts again on the same storage and, for
 * the embedded broker, the same port.
 */
import pino from 'pino';
import { type Hub, startHub } from '../../hub/hub.js';
import type { Logger } from '../../protocol/logger.js';
import { HubApiClient, HubProcess, type HubProcessOptions } from './hub-process.js';

export type HubMode = 'process' | 'in-process';

export class FaultHub {
  private process: HubProcess | undefined;
  private inProcess: Hub | undefined;
  private client: HubApiClient | undefined;

  constructor(
    readonly mode: HubMode,
    private readonly options: HubProcessOptions,
  ) {}

  /** The API at the address of the running hub. */
  get api(): HubApiClient {
    if (!this.client) throw new Error('the hub has not started');
    return this.client;
  }

  /** The embedded broker's login for the hub's own client; known only in-process. */
  get brokerCredentials(): { username: string; password: string } | undefined {
    return this.inProcess?.brokerCredentials;
  }

  async start(): Promise<void> {
    const { options } = this;
    if (this.mode === 'process') {
      this.process = await HubProcess.start(options);
      this.client = new HubApiClient(this.process.url, options.adminToken);
      return;
    }
    const logger = pino(
      { level: 'debug', base: undefined },
      pino.destination({ dest: options.logFile, sync: true }),
    );
    this.inProcess = await startHub(
      {
        host: '127.0.0.1',
        port: 0,
        mqttHost: '127.0.0.1',
        mqttPort: options.mqttPort,
        brokerUrl: options.brokerUrl,
        dataDir: options.dataDir,
        dbUrl: options.dbUrl,
        adminToken: options.adminToken,
      },
      logger as Logger,
    );
    this.client = new HubApiClient(this.inProcess.url, options.adminToken);
  }

  /** SIGTERM is a clean stop, SIGKILL a crash (a hub process only). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const hub = this.inProcess;
    if (hub) {
      if (signal !== 'SIGTERM') throw new Error(`an in-process hub cannot take ${signal}`);
      this.inProcess = undefined;
      await hub.close();
    }
    await this.process?.stop(signal);
  }

  /** Stops whatever runs, as abruptly as the mode allows. */
  kill(): Promise<void> {
    return this.stop(this.mode === 'process' ? 'SIGKILL' : 'SIGTERM');
  }
}
