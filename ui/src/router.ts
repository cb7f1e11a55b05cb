/**
 * A small history router: paths and query strings are the app's state, so
 * every page and filter can be bookmarked and shared. The hub answers
 * index.html for any path outside the API.
 */
import type { AnchorHTMLAttributes, JSX } from 'preact';
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  query: URLSearchParams;
}

const read = (): Location => ({
  path: window.location.pathname,
  query: new URLSearchParams(window.location.search),
});
const subscribers = new Set<() => void>();
const notify = () => {
  for (const s of subscribers) s();
};
window.addEventListener('popstate', notify);

/** Goes to `to` (path and query); `replace` keeps the history entry (filters being typed). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search;
  if (to === current) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  if (!options.replace) window.scrollTo(0, 0);
  notify();
}

/** The current location; re-renders when it changes. */
export function useLocation(): Location {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    subscribers.add(update);
    return () => {
      subscribers.delete(update);
    };
  }, []);
  return location;
}

/** Matches `/flows/:namespace/:id` against a path; the decoded parameters, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const norm = (p: string) => p.replace(/\/+$/, '') || '/';
  const want = norm(pattern).split('/');
  const got = norm(path).split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

/** The current path with `changes` applied to its query (undefined or '' removes a parameter). */
export function withQuery(changes: Record<string, string | string[] | undefined>): string {
  const query = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(changes)) {
    query.delete(key);
    if (Array.isArray(value)) for (const v of value) query.append(key, v);
    else if (value !== undefined && value !== '') query.set(key, value);
  }
  const qs = query.toString();
  return `${window.location.pathname}${qs ? `?${qs}` : ''}`;
}

/** Sets query parameters of the current page, replacing the history entry. */
export function setQuery(changes: Record<string, string | string[] | undefined>): void {
  navigate(withQuery(changes), { replace: true });
}

/**
 * `<a>` that navigates in the app (a modified click still opens a new tab);
 * `onFollow` hears of every click on it.
 */
export function Link(props: AnchorHTMLAttributes & { href: string; onFollow?: () => void }): JSX.Element {
  const { onFollow, ...attributes } = props;
  const onClick = (e: MouseEvent) => {
    onFollow?.();
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return h('a', { ...attributes, onClick });
}

/** Path segment encoding for ids and namespaces. */
export const seg = (value: string): string => encodeURIComponent(value);
