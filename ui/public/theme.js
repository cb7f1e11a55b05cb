// Sets the theme before the first paint, so a dark theme does not flash light. A file rather than an
// inline script: the hub's Content-Security-Policy runs scripts from its own files only.
const dark = matchMedia('(prefers-color-scheme: dark)').matches;
document.documentElement.dataset.theme = localStorage.getItem('tern.theme') ?? (dark ? 'dark' : 'light');
