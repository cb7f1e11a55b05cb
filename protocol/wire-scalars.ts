/** The scalar schemas the wire messages share: dates, names, counts, seqs and revisions. */
import { Type as T } from '@sinclair/typebox';

/** An ISO-8601 date and time. */
export const Iso = T.String({ format: 'date-time', description: 'ISO-8601 date and time' });
/** A name that may not be empty (agent, flow, namespace, trigger, command). */
export const Name = T.String({ minLength: 1 });
/** A count of things: an integer, never negative. */
export const Count = T.Integer({ minimum: 0 });
/**
 * A record's seq, or a seq mark (0 before the first record). Integers beyond 2^53 − 1 are refused: JSON
 * numbers past it lose precision, so two records could share a seq and an ack could cover what it never saw.
 */
export const SeqMark = T.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** A flow revision, from 1. */
export const Revision = T.Integer({ minimum: 1 });
