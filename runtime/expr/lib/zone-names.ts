/**
 * Zone names for java.time's `z` and `v` pattern letters. js-joda prints the zone id there, so names come
 * from Node's ICU (the CLDR data Java reads too): long names match Java's; short ones follow Java's
 * English abbreviations where CLDR has them, else the initials of the English name.
 */

/** Java's abbreviations where they are not the initials of the English name. */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  'Coordinated Universal Time': 'UTC',
  'Moscow Standard Time': 'MSK',
  'Brasilia Standard Time': 'BRT',
  'Brasilia Summer Time': 'BRST',
  'Singapore Standard Time': 'SGT',
  'Hong Kong Standard Time': 'HKT',
  'Hong Kong Summer Time': 'HKST',
};

/** English locales whose CLDR data carries abbreviations (en-US has only North America's). */
const ABBREVIATING = ['en-US', 'en-GB', 'en-AU', 'en-IN'];

/** Which name: `z`–`zzz` short, `zzzz` long, `v` short generic, `vvvv` long generic. */
export type ZoneNameStyle = 'short' | 'long' | 'shortGeneric' | 'longGeneric';

function intlName(epochMs: number, zone: string, style: ZoneNameStyle, locale: string): string {
  const parts = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: style }).formatToParts(
    epochMs,
  );
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? zone;
}

const initials = (name: string): string =>
  ABBREVIATIONS[name] ??
  name
    .split(/\s+/)
    .map((word) => word.charAt(0))
    .join('')
    .toUpperCase();

/**
 * The name of `zone` (an IANA id or an offset) at `epochMs`, as Java prints it for `style` in `locale`.
 *
 * @example zoneName(Date.UTC(2013, 8, 9), 'Australia/Perth', 'short', 'en-US') // 'AWST'
 */
export function zoneName(epochMs: number, zone: string, style: ZoneNameStyle, locale: string): string {
  // Java prints an offset zone as its id (`+02:00`, `Z`) for every zone-name letter.
  if (zone === 'Z' || /^[+-]\d/.test(zone)) return zone;
  if (zone === 'GMT') return style === 'long' || style === 'longGeneric' ? 'Greenwich Mean Time' : 'GMT';
  if (style === 'long' || style === 'longGeneric') return intlName(epochMs, zone, style, locale);
  if (style === 'short')
    for (const english of ABBREVIATING) {
      const name = intlName(epochMs, zone, 'short', english);
      if (!/^GMT[+-]/.test(name)) return name;
    }
  return initials(intlName(epochMs, zone, style === 'short' ? 'long' : 'longGeneric', 'en-US'));
}
