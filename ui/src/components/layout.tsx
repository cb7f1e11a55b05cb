/**
 * The frame around every page: navigation (a sidebar, or on a phone a menu
 * behind a button), live indicator, theme switch, sign-out.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { signOut } from '../api.js';
import { useLiveState } from '../live.js';
import { Link } from '../router.js';
import { currentTheme, setTheme } from '../theme.js';

const NAV: [string, string][] = [
  ['/', 'Dashboard'],
  ['/flows', 'Flows'],
  ['/executions', 'Executions'],
  ['/agents', 'Agents'],
  ['/rollouts', 'Rollouts'],
  ['/namespaces', 'Namespace files'],
];

function ThemeSwitch(): JSX.Element {
  const [theme, set] = useState(currentTheme());
  useEffect(() => {
    const update = () => set(currentTheme());
    window.addEventListener('tern:theme', update);
    return () => window.removeEventListener('tern:theme', update);
  }, []);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" class="ghost" title={`Switch to the ${next} theme`} onClick={() => setTheme(next)}>
      {theme === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );
}

export function Layout({ path, children }: { path: string; children: ComponentChildren }): JSX.Element {
  const live = useLiveState();
  // The menu only exists on narrow screens (CSS hides the button elsewhere); it closes on every navigation.
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => setOpen(false), [path]);
  // Escape closes it from wherever the focus is in the navigation (the button or a link).
  const closeOnEscape = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !open) return;
    setOpen(false);
    button.current?.focus();
  };
  const active = (href: string) =>
    href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="Main" onKeyDown={closeOnEscape}>
        <div class="sidebar-top">
          <Link href="/" class="brand">
            <img src="/favicon.svg" alt="" width="24" height="24" /> Tern
          </Link>
          <button
            type="button"
            class="ghost menu-button"
            ref={button}
            aria-expanded={open}
            aria-controls="nav-links"
            onClick={() => setOpen(!open)}
          >
            <span aria-hidden="true">{open ? '✕' : '☰'}</span> Menu
          </button>
        </div>
        <div id="nav-links" class={open ? 'nav-links open' : 'nav-links'}>
          {NAV.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              class={active(href) ? 'nav active' : 'nav'}
              aria-current={active(href) ? 'page' : undefined}
              // Also when it leads to the page already shown.
              onFollow={() => setOpen(false)}
            >
              {label}
            </Link>
          ))}
          <div class="sidebar-foot">
            <a class="nav" href="/api/docs" target="_blank" rel="noreferrer">
              API docs ↗
            </a>
          </div>
        </div>
      </nav>
      <div class="main">
        <header class="topbar">
          <span class={`live live-${live}`} data-live={live} title="Server-sent events from the hub">
            <span class="dot" />{' '}
            {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline'}
          </span>
          <span class="grow" />
          <ThemeSwitch />
          <button type="button" class="ghost" onClick={signOut}>
            Sign out
          </button>
        </header>
        <main class="content">{children}</main>
      </div>
    </div>
  );
}
