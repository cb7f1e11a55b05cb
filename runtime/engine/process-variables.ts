/** Variables every execution of a process sees besides its own: Kestra's `envs` and `globals`. */

/** What the process gives every execution: `envs.*` and `globals.*`. */
export interface ProcessVariables {
  /** Environment variables named with the `ENV_` prefix, by Kestra's rule (see {@link envsFrom}). */
  envs: Record<string, string>;
  /** Values from the process's configuration (`TERN_GLOBALS_FILE`, a YAML map). */
  globals: Record<string, unknown>;
}

export const NO_PROCESS_VARIABLES: ProcessVariables = { envs: {}, globals: {} };

/**
 * Kestra's `envs`: each environment variable whose name starts with `ENV_`,
 * without the prefix and in lower case.
 *
 * @example envsFrom({ ENV_PLANT_NAME: 'north' }) // { plant_name: 'north' }
 */
export function envsFrom(
  environment: Record<string, string | undefined>,
  prefix = 'ENV_',
): Record<string, string> {
  const envs: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment))
    if (name.startsWith(prefix) && name.length > prefix.length && value !== undefined)
      envs[name.slice(prefix.length).toLowerCase()] = value;
  return envs;
}
