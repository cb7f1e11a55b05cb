/** A vitest reporter that ends the run with one line per missing service: how many tests it skipped and how to start it. */
import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { Reporter } from 'vitest/reporters';
import { SERVICE_NAMES, type ServiceVariable, SKIPPED_MARK } from './service-names.js';

/** Counts the tests of every suite skipped for a missing service, by its variable. */
export function skippedByService(files: readonly RunnerTestFile[]): Map<ServiceVariable, number> {
  const counts = new Map<ServiceVariable, number>();
  const countTests = (task: RunnerTask): number =>
    task.type === 'suite' ? task.tasks.reduce((n, t) => n + countTests(t), 0) : 1;
  const visit = (task: RunnerTask): void => {
    if (task.type !== 'suite') return;
    const at = task.name.indexOf(SKIPPED_MARK);
    if (at >= 0 && task.mode === 'skip') {
      const variable = task.name.slice(at + SKIPPED_MARK.length).split(' ')[0] as ServiceVariable;
      counts.set(variable, (counts.get(variable) ?? 0) + countTests(task));
      return;
    }
    for (const child of task.tasks) visit(child);
  };
  for (const file of files) visit(file);
  return counts;
}

export default class SkippedServicesReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    for (const [variable, count] of skippedByService(files)) {
      console.log(
        `skipped ${count} tests: ${SERVICE_NAMES[variable]} (${variable}) not set — \`eval "$(deploy/dev/services.sh up)"\` starts it`,
      );
    }
  }
}
