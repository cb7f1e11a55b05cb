/**
 * The secret values an execution has read, and their masking out of what it
 * stores: log lines, errors and outputs. One per execution run.
 */

/** What a secret value is replaced with. */
export const MASK = '******';

/** Values shorter than this are not masked: a one- or two-character secret would garble every line. */
export const MIN_MASKED_LENGTH = 3;

/**
 * @example
 * const mask = new SecretMask();
 * mask.add('s3cr3t');
 * mask.text('token=s3cr3t'); // 'token=******'
 * mask.value({ auth: 'Bearer s3cr3t' }); // { auth: 'Bearer ******' }
 */
export class SecretMask {
  /** Longest first, so that a secret containing another is masked whole. */
  private values: string[] = [];

  get empty(): boolean {
    return this.values.length === 0;
  }

  add(value: string): void {
    if (value.length < MIN_MASKED_LENGTH || this.values.includes(value)) return;
    this.values = [...this.values, value].sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret value replaced by {@link MASK}. */
  text(text: string): string {
    if (this.values.length === 0) return text;
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.replaceAll(value, MASK);
    return out;
  }

  /** The secret values that occur in some string of `value` (map keys included): what a value handed on carries. */
  within(value: unknown): string[] {
    if (this.values.length === 0) return [];
    const texts = stringsOf(value);
    return this.values.filter((secret) => texts.some((text) => text.includes(secret)));
  }

  /**
   * Adds each of `candidates` that occurs in some string of `value`: a value
   * read back from storage (the KV store) is masked where it holds a secret.
   */
  learnFrom(value: unknown, candidates: Iterable<string>): void {
    let texts: string[] | undefined;
    for (const candidate of candidates) {
      if (candidate.length < MIN_MASKED_LENGTH || this.values.includes(candidate)) continue;
      texts ??= stringsOf(value);
      if (texts.length === 0) return;
      if (texts.some((text) => text.includes(candidate))) this.add(candidate);
    }
  }

  /** A copy of `value` with secrets masked in every string (map keys included); `value` itself when none is found. */
  value<T>(value: T): T {
    if (this.values.length === 0) return value;
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((item) => {
        const masked = this.walk(item);
        if (masked !== item) changed = true;
        return masked;
      });
      return changed ? out : value;
    }
    if (value !== null && typeof value === 'object' && isPlainMap(value)) {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const maskedKey = this.text(key);
        const masked = this.walk(item);
        if (masked !== item || maskedKey !== key) changed = true;
        out[maskedKey] = masked;
      }
      return changed ? out : value;
    }
    return value;
  }
}

/** Every string in `value`: itself, or the items of its lists and the keys and values of its maps. */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (value !== null && typeof value === 'object' && isPlainMap(value))
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      stringsOf(item, out);
    }
  return out;
}

function isPlainMap(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
