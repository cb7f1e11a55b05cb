/** Loads java.time's port (@js-joda) at first use, so processes that never format a date do not pay ~35 MB. */
import { createRequire } from 'node:module';

type JodaCore = typeof import('@js-joda/core');
/** The `Locale` class of @js-joda/locale (typed loosely: the package ships no types for its peers). */
interface JodaLocaleClass {
  readonly US: unknown;
  new (language: string, country?: string, localeString?: string): unknown;
}

// Named `require` with literal ids so that the agent's bundler (scripts/build-agent.mjs) bundles what it loads.
const require = createRequire(import.meta.url);
let core: JodaCore | undefined;
let localeClass: JodaLocaleClass | undefined;
const locales = new Map<string, unknown>();

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
  if (!localeClass) {
    joda();
    require('@js-joda/locale_en-us');
    localeClass = (require('@js-joda/locale') as { Locale: JodaLocaleClass }).Locale;
  }
  return localeClass.US;
}

/**
 * The locale a Java tag names (`fr`, `fr_FR`, `de-DE`), its CLDR data loaded at first use: one language
 * bundle of @js-joda/locale (~3 MB of data each), never the whole set. Throws when none is shipped.
 */
export function jodaLocale(tag: string): unknown {
  const [language = '', country = ''] = tag
    .split(/[_-]/)
    .map((part, i) => (i === 0 ? part.toLowerCase() : part.toUpperCase()));
  if (language === 'en' && (country === '' || country === 'US')) return usLocale();
  const key = country ? `${language}-${country}` : language;
  const known = locales.get(key);
  if (known) return known;
  usLocale();
  const bundles = [country ? `${language}-${country.toLowerCase()}` : undefined, language].filter(Boolean);
  const bundle = bundles.find((name) => {
    if (!/^[a-z]{2,3}(-[a-z]{2})?$/.test(name ?? '')) return false;
    try {
      // A computed id: the agent's single-file bundle does not carry these, so there only en-US is available.
      require(`@js-joda/locale/dist/prebuilt/${name}`);
      return true;
    } catch {
      return false;
    }
  });
  if (!bundle) throw new Error(`date: locale '${tag}' is not available`);
  const locale = new localeClass!(language, country || undefined, key);
  locales.set(key, locale);
  return locale;
}
