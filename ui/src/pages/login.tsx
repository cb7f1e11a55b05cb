/** Sign-in with an API token (the admin token the hub printed at first start, or one made with `tern token`). */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, call, setToken } from '../api.js';
import { usePageTitle } from '../components/common.js';

export function LoginPage({ onSignedIn }: { onSignedIn(): void }): JSX.Element {
  usePageTitle('Sign in');
  const [token, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await call('/flows', { query: { limit: 1 }, token: token.trim() });
      setToken(token.trim());
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'This token is not valid.' : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <form class="card login-card" onSubmit={submit}>
        <h1>
          <img src="/favicon.svg" alt="" width="32" height="32" /> Tern
        </h1>
        <p class="muted">Sign in with an API token of this hub.</p>
        <label>
          API token
          <input
            name="token"
            type="password"
            autoComplete="current-password"
            value={token}
            onInput={(e) => setValue(e.currentTarget.value)}
            required
          />
        </label>
        {error && (
          <div class="error-box" role="alert">
            {error}
          </div>
        )}
        <button type="submit" class="primary" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
      </form>
    </div>
  );
}
