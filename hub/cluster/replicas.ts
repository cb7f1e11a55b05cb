/** How a hub joins the other replicas on its database: alone on PGlite, through advisory locks on PostgreSQL. */
import type { Logger } from '../../protocol/logger.js';
import type { HubOptions } from '../config.js';
import { type Leadership, PostgresLeadership, soleLeadership } from './leadership.js';

/**
 * Trigger types every replica runs: their events reach one replica only — a
 * webhook call the replica that serves it, a `flow` trigger the executions
 * that replica ends or ingests. Every other type (schedule, interval, MQTT,
 * Kafka, file) runs on the leader alone, so that it fires once.
 */
export const EVERY_REPLICA_TRIGGERS: ReadonlySet<string> = new Set(['webhook', 'flow']);

/** The MQTT 5 shared-subscription group of the hub replicas (`$share/tern-hub/tern/v1/agents/+/events`). */
export const REPLICA_SHARE_GROUP = 'tern-hub';

/**
 * The replica's leadership and whether it started alone. On PGlite a hub is
 * alone by construction (its data folder is locked).
 */
export async function joinReplicas(
  options: Pick<HubOptions, 'dbUrl' | 'leaderCheckMs'>,
  logger: Logger,
): Promise<{ leadership: Leadership; alone: boolean }> {
  if (!options.dbUrl) return { leadership: soleLeadership(), alone: true };
  return PostgresLeadership.start({ url: options.dbUrl, checkMs: options.leaderCheckMs, logger });
}
