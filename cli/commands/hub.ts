/** `tern hub`: starts the hub and keeps it running until SIGINT or SIGTERM. */
import pino from 'pino';
import type { HubOptionsInput } from '../../hub/config.js';
import { startHub } from '../../hub/hub.js';
import type { Printer } from '../format.js';

export async function hubCommand(options: HubOptionsInput, printer: Printer): Promise<void> {
  const logger = pino({ level: options.logLevel ?? 'info', base: undefined }, pino.destination(2));
  const hub = await startHub(options, logger);
  printer.line(`Tern hub running at ${hub.url}  (API ${hub.url}/api/v1, docs ${hub.url}/api/docs)`);
  if (hub.mqttPort !== undefined)
    printer.line(
      `Embedded MQTT broker on port ${hub.mqttPort} (WebSocket at ${hub.url.replace(/^http/, 'ws')}/mqtt)`,
    );
  if (hub.mqttsPort !== undefined) printer.line(`MQTT over TLS on port ${hub.mqttsPort}`);
  if (hub.adminToken && options.adminToken !== undefined) {
    // The operator chose it: it is not written out, to a terminal or to a log collector.
    printer.line('');
    printer.line('Admin token: the one given in TERN_ADMIN_TOKEN');
  } else if (hub.adminToken) {
    printer.line('');
    printer.line(`Admin token (shown once, keep it): ${printer.style('bold', hub.adminToken)}`);
    printer.line(`  export TERN_SERVER=${hub.url} TERN_TOKEN=${hub.adminToken}`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  printer.line('stopping…');
  await hub.close();
}
