/** Loads java.time's port (@js-joda) at first use, so processes that never format a date do not pay ~35 MB. */
import { createRequire } from 'node:module';

type JodaCore = typeof import('@js-joda/core');
/** The `Locale` class of @js-joda/locale (typed loosely: the package ships no types for its peers). */
export interface JodaLocale {
  readonly US: unknown;
}

// Named `require` with literal ids so that the agent's bundler (scripts/build-agent.mjs) bundles what it loads.
const require = createRequire(import.meta.url);
let core: JodaCore | undefined;
let locale: JodaLocale | undefined;

/** @js-joda/core with the IANA time-zone database installed. */
export function joda(): JodaCore {
  if (!core) {
    core = require('@js-joda/core') as JodaCore;
    require('@js-joda/timezone');
  }
  return core;
}

/** The en-US locale, needed only by patterns that print text (month and day names, AM/PM, eras). */
export function usLocale(): unknown {
  if (!locale) {
    joda();
    require('@js-joda/locale_en-us');
    locale = (require('@js-joda/locale') as { Locale: JodaLocale }).Locale;
  }
  return locale.US;
}
