/**
 * A private Mosquitto for tests that restart or lock down the broker (the
 * shared one at TERN_TEST_MQTT_URL serves other test files at the same time).
 * Configured as docs/mosquitto.md says a Tern deployment should be: no
 * anonymous clients, a password file and the ACL of deploy/mosquitto/tern.acl
 * (or, with `dynsec`, the dynamic-security plugin whose logins the hub
 * manages), client ids taken from usernames, persistence on, packet size,
 * memory and connections bounded.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { ROOT } from './cli.js';
import { freeTcpPort } from './ports.js';

/** The ACL file a deployment uses; the tests use the same one. */
export const TERN_ACL = join(ROOT, 'deploy', 'mosquitto', 'tern.acl');

/** The username of the hub's privileged client in tern.acl. */
export const HUB_USER = 'tern-hub';

export interface MosquittoOptions {
  /** Folder for its configuration, password file, persistence and log. */
  dir: string;
  /** Listening port; 0 picks a free one at first start, kept across restarts. */
  port?: number;
  /** The hub's password (the username is tern-hub). */
  hubPassword: string;
  /** More logins with the hub's rights, for tests that play a second privileged client. */
  operators?: Array<{ username: string; password: string }>;
  /**
   * Logins from the dynamic-security plugin instead of the password file and ACL: its file made by
   * `mosquitto_ctrl dynsec init` with this admin (username `admin`); the hub creates its own login.
   */
  dynsec?: { adminPassword: string };
}

/** The dynamic-security plugin's admin login in a {@link PrivateMosquitto} started with `dynsec`. */
export const DYNSEC_ADMIN = 'admin';

/** Where Mosquitto's dynamic-security plugin is: TERN_MOSQUITTO_DYNSEC_PLUGIN, or Debian's and others' places. */
export function dynsecPlugin(): string | undefined {
  const candidates = [
    process.env.TERN_MOSQUITTO_DYNSEC_PLUGIN,
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/mosquitto_dynamic_security.so`,
    '/usr/lib/mosquitto_dynamic_security.so',
    '/usr/local/lib/mosquitto_dynamic_security.so',
  ];
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

export class PrivateMosquitto {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly hubPassword: string,
    private readonly operators: Array<{ username: string; password: string }>,
    private readonly dynsec: { adminPassword: string } | undefined,
  ) {}

  /** Writes the configuration and starts the broker. */
  static async start(options: MosquittoOptions): Promise<PrivateMosquitto> {
    const port = options.port || (await freeTcpPort());
    const broker = new PrivateMosquitto(
      options.dir,
      port,
      options.hubPassword,
      options.operators ?? [],
      options.dynsec,
    );
    broker.configure();
    await broker.run();
    return broker;
  }

  /** Address for agents (they bring their own credentials). */
  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Address for `tern hub --broker`, with the hub's credentials in it. */
  get hubUrl(): string {
    return `mqtt://${HUB_USER}:${encodeURIComponent(this.hubPassword)}@127.0.0.1:${this.port}`;
  }

  /** Address for `tern hub --broker-admin`: the dynamic-security admin's login. */
  get adminUrl(): string {
    if (!this.dynsec) throw new Error('this Mosquitto has no dynamic-security plugin');
    return `mqtt://${DYNSEC_ADMIN}:${encodeURIComponent(this.dynsec.adminPassword)}@127.0.0.1:${this.port}`;
  }

  get logFile(): string {
    return join(this.dir, 'mosquitto.log');
  }

  /**
   * Adds (or changes) a user in the password file and makes the running
   * broker read it again. Call it before the user first connects: the check
   * that the reload took logs in as the user, which (client ids being
   * usernames) would end a session of theirs.
   */
  async addUser(username: string, password: string): Promise<void> {
    execFileSync('mosquitto_passwd', ['-b', join(this.dir, 'passwd'), username, password]);
    this.child?.kill('SIGHUP');
    // The reload is asynchronous: wait until the new credentials are accepted.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const probe = await mqtt.connectAsync(this.url, {
          username,
          password,
          clientId: `${username}:probe`,
          reconnectPeriod: 0,
          connectTimeout: 2000,
        });
        await probe.endAsync(true);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Removes a user from the password file and makes the running broker read it again. */
  removeUser(username: string): void {
    execFileSync('mosquitto_passwd', ['-D', join(this.dir, 'passwd'), username]);
    this.child?.kill('SIGHUP');
  }

  /** Stops the broker: SIGTERM saves its state first, SIGKILL is a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    await this.exited;
  }

  /** Starts the broker again on the same port, with the same files. */
  async restart(): Promise<void> {
    await this.stop();
    await this.run();
  }

  private configure(): void {
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    const lines = [...(this.dynsec ? this.dynsecLogins(this.dynsec) : this.fileLogins()), ...this.common()];
    writeFileSync(join(this.dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
  }

  /** The plugin and its file, made as docs/mosquitto.md says. */
  private dynsecLogins(dynsec: { adminPassword: string }): string[] {
    const plugin = dynsecPlugin();
    if (!plugin)
      throw new Error(
        "Mosquitto's dynamic-security plugin was not found: set TERN_MOSQUITTO_DYNSEC_PLUGIN to mosquitto_dynamic_security.so",
      );
    const file = join(this.dir, 'dynamic-security.json');
    execFileSync('mosquitto_ctrl', ['dynsec', 'init', file, DYNSEC_ADMIN, dynsec.adminPassword]);
    return [`plugin ${plugin}`, `plugin_opt_config_file ${file}`];
  }

  private fileLogins(): string[] {
    const passwd = join(this.dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', passwd, HUB_USER, this.hubPassword]);
    let acl = readFileSync(TERN_ACL, 'utf8');
    for (const { username, password } of this.operators) {
      execFileSync('mosquitto_passwd', ['-b', passwd, username, password]);
      acl += `\nuser ${username}\ntopic readwrite tern/v1/agents/#\n`;
    }
    writeFileSync(join(this.dir, 'acl'), acl);
    return [`password_file ${passwd}`, `acl_file ${join(this.dir, 'acl')}`];
  }

  private common(): string[] {
    return [
      `listener ${this.port} 127.0.0.1`,
      'allow_anonymous false',
      // Client ids are not tied to logins otherwise: one agent could take over another's session.
      'use_username_as_clientid true',
      'persistence true',
      `persistence_location ${join(this.dir, 'data')}/`,
      'set_tcp_nodelay true',
      'max_packet_size 16842752',
      // Not with the dynamic-security plugin: Mosquitto 2.0.11 then counts memory wrongly and soon drops
      // every client as out of memory (docs/mosquitto.md).
      ...(this.dynsec ? [] : ['memory_limit 1073741824']),
      'max_connections 20000',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      // As root, Mosquitto would switch to its own user, which cannot read a private temporary folder.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
    ];
  }

  private async run(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    const child = spawn('mosquitto', ['-c', join(this.dir, 'mosquitto.conf')], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited at start (log: ${this.logFile})`);
      if (Date.now() > deadline)
        throw new Error(`mosquitto did not listen on ${this.port} (log: ${this.logFile})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
