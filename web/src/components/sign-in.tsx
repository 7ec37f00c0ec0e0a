/**
 * @module The page shown without a session: how to sign in (the server's one-time link, or an API
 * token posted by the form, never put in a URL), and what to do when the address is not trusted or the server is unreachable.
 */

type Problem = { kind: 'signed-out'; reason?: string } | { kind: 'forbidden'; message: string } | { kind: 'unreachable'; message: string };

export function SignIn({ session }: { session: Problem }): React.JSX.Element {
  const next = window.location.pathname + window.location.search;
  return (
    <main className="sign-in" data-testid="sign-in">
      <div className="sign-in-card">
        <div className="brand dark">
          <img src="/favicon.svg" alt="" width={28} height={28} /> hidsmon
        </div>
        {session.kind === 'forbidden' ? (
          <>
            <h1>This address is not trusted</h1>
            <p>{session.message}</p>
            <p>hidsmon only answers the networks listed in its trusted_networks setting. Ask whoever runs it to add yours, or connect from a trusted network.</p>
          </>
        ) : session.kind === 'unreachable' ? (
          <>
            <h1>The server cannot be reached</h1>
            <p>{session.message}</p>
            <p>
              <button type="button" className="button primary" onClick={() => window.location.reload()}>
                Try again
              </button>
            </p>
          </>
        ) : (
          <>
            <h1>Sign in to hidsmon</h1>
            {session.reason && <p className="reason">{session.reason}</p>}
            <p>This browser has no session. Either:</p>
            <ol>
              <li>
                Open the <strong>login link the server printed</strong> when it started (<code>hidsmon server</code> or <code>npm start</code>); it looks like{' '}
                <code className="login-example" data-testid="login-example">{`${window.location.origin}/login?token=…`}</code>. Each link works once; restarting the server prints a new one.
              </li>
              <li>
                Or sign in with an <strong>API token</strong> (from the server's configuration, or <code>credentials.json</code> in its data directory). The form sends it in the
                request body: an API token never goes in a URL.
              </li>
            </ol>
            <form method="post" action="/login" className="token-form">
              <input type="hidden" name="next" value={next} />
              <input type="password" name="token" aria-label="API token" placeholder="API token" autoComplete="off" required data-testid="token-input" />
              <button type="submit" className="button primary">
                Sign in
              </button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}
