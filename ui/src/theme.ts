/** Light and dark themes: the choice is kept in local storage and set on <html> before the first paint. */
const KEY = 'tern.theme';

export type Theme = 'light' | 'dark';

export const currentTheme = (): Theme =>
  document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';

export function setTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem(KEY, theme);
  window.dispatchEvent(new Event('tern:theme'));
}
