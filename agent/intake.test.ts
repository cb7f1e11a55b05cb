/** The agent's intake: the one reason new work may not start, checked in order. */
import { describe, expect, it } from 'vitest';
import { Intake } from './intake.js';

describe('Intake', () => {
  it('refuses new executions once stopping, decommissioned or with the outbox full, in that order', () => {
    const facts = { decommissioned: false, outboxFull: false };
    const intake = new Intake({
      agentId: 'gw-01',
      decommissioned: () => facts.decommissioned,
      outboxFull: () => facts.outboxFull,
    });
    expect(intake.refusal()).toBeUndefined();
    facts.outboxFull = true;
    expect(intake.refusal()).toBe(
      'the outbox is full (pause-triggers): no new execution until the hub catches up',
    );
    facts.decommissioned = true;
    expect(intake.refusal()).toBe('agent gw-01 is decommissioned');
    intake.stop();
    expect(intake.stopping).toBe(true);
    expect(intake.refusal()).toBe('agent gw-01 is stopping');
  });

  it('refuses commands only once decommissioned', () => {
    let decommissioned = false;
    const intake = new Intake({
      agentId: 'gw-01',
      decommissioned: () => decommissioned,
      outboxFull: () => true,
    });
    intake.stop();
    expect(intake.commandRefusal()).toBeUndefined();
    decommissioned = true;
    expect(intake.commandRefusal()).toBe('agent gw-01 is decommissioned');
  });
});
