/** What the API sees of the rollouts: start one, and move one on, hold it, or take it back. */
import type { Rollout } from '../store/rollout-records.js';
import type { RolloutRequest } from './controller.js';

/** The rollouts as the REST API uses them; each throws NOT_FOUND or CONFLICT (and BAD_REQUEST on create). */
export interface RolloutControl {
  create(request: RolloutRequest): Promise<Rollout>;
  approve(id: string): Promise<Rollout>;
  pause(id: string): Promise<Rollout>;
  resume(id: string): Promise<Rollout>;
  rollback(id: string): Promise<Rollout>;
}

/** Added to the API's services when the hub runs rollouts (it does whenever it runs a fleet). */
export interface RolloutServices {
  rollouts?: RolloutControl;
}
