/**
 * Tests against real services read the service's address from the
 * environment (README, "Development"). Without it they are skipped with a visible reason;
 * with TERN_REQUIRE_SERVICES=1 a missing service is a failure.
 */
import { describe, it } from 'vitest';
import { type ServiceVariable, SKIPPED_MARK, UNREACHABLE } from './service-names.js';

export type { ServiceVariable } from './service-names.js';

export function serviceAddress(variable: ServiceVariable): string | undefined {
  const value = process.env[variable];
  return value && value.trim() !== '' ? value : undefined;
}

/**
 * `describe` that runs only when `variable` is set, handing its value to the
 * suite. Unset: the suite is skipped and says why, or fails under
 * TERN_REQUIRE_SERVICES=1.
 */
export function describeWithService(
  variable: ServiceVariable,
  title: string,
  suite: (address: string) => void,
): void {
  const address = serviceAddress(variable);
  if (address) {
    describe(title, () => suite(address));
    return;
  }
  if (process.env.TERN_REQUIRE_SERVICES === '1') {
    describe(title, () => {
      it(`needs ${variable} (TERN_REQUIRE_SERVICES=1)`, () => {
        throw new Error(`${variable} is not set: run deploy/dev/services.sh up and export what it prints`);
      });
    });
    return;
  }
  describe.skip(`${title}${SKIPPED_MARK}${variable} is not set (deploy/dev/services.sh up)`, () =>
    suite(UNREACHABLE[variable]));
}
