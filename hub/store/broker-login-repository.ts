/** Agent passwords waiting for the broker the hub manages (`broker_logins_pending`), one row an agent. */
import { and, eq } from 'drizzle-orm';
import type { Db } from './db.js';
import { brokerLoginsPending } from './schema.js';
import type { BrokerLoginRepository, PendingBrokerLogin } from './types.js';

/** {@link BrokerLoginRepository} on drizzle. */
export class DrizzleBrokerLoginRepository implements BrokerLoginRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  async put(agentId: string, password: string): Promise<void> {
    await this.db
      .insert(brokerLoginsPending)
      .values({ agentId, password, createdAt: new Date(this.now()) })
      .onConflictDoUpdate({ target: brokerLoginsPending.agentId, set: { password } });
  }

  async list(): Promise<PendingBrokerLogin[]> {
    return this.db
      .select({ agentId: brokerLoginsPending.agentId, password: brokerLoginsPending.password })
      .from(brokerLoginsPending);
  }

  async get(agentId: string): Promise<PendingBrokerLogin | undefined> {
    const [row] = await this.db
      .select({ agentId: brokerLoginsPending.agentId, password: brokerLoginsPending.password })
      .from(brokerLoginsPending)
      .where(eq(brokerLoginsPending.agentId, agentId));
    return row;
  }

  async done(agentId: string, password: string): Promise<void> {
    await this.db
      .delete(brokerLoginsPending)
      .where(and(eq(brokerLoginsPending.agentId, agentId), eq(brokerLoginsPending.password, password)));
  }

  async drop(agentId: string): Promise<void> {
    await this.db.delete(brokerLoginsPending).where(eq(brokerLoginsPending.agentId, agentId));
  }
}
