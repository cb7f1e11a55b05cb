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

function isPlainMap(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
