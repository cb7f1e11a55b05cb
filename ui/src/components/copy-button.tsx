/** A button that copies a text to the clipboard, and says "Copied" for a moment. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Puts `text` on the clipboard. */
async function copyText(text: string): Promise<void> {
  // The Clipboard API needs a secure context (HTTPS or localhost): a hub reached by address over HTTP has none.
  if (window.isSecureContext && navigator.clipboard) return navigator.clipboard.writeText(text);
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('the browser refused to copy');
}

export function CopyButton({ text, label }: { text: string; label: string }): JSX.Element {
  const [outcome, setOutcome] = useState<'copied' | 'failed' | undefined>(undefined);
  useEffect(() => {
    if (!outcome) return;
    const t = setTimeout(() => setOutcome(undefined), 2500);
    return () => clearTimeout(t);
  }, [outcome]);
  const copy = () =>
    copyText(text).then(
      () => setOutcome('copied'),
      () => setOutcome('failed'),
    );
  return (
    <button type="button" class="copy" onClick={copy} aria-live="polite">
      {outcome === 'copied' ? 'Copied' : outcome === 'failed' ? 'Select and copy it' : label}
    </button>
  );
}
