import { useEffect, useState } from 'preact/hooks';
import type { SignIn as SignInConfig } from '../config';
import { listenForHostToken, startCognito } from '../auth/handoff';
import { ErrorAlert } from '../components/common';

interface Props {
  signin: SignInConfig;
  message: string | null;
  onToken: (token: string) => void;
}

function hostName(s: Extract<SignInConfig, { kind: 'host' }>): string {
  if (s.name) return s.name;
  if (s.host) return s.host;
  try {
    if (s.url) return new URL(s.url, location.href).hostname;
  } catch {
    // fall through
  }
  return 'your account';
}

export function SignIn({ signin, message, onToken }: Props) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (signin.kind !== 'host') return undefined;
    return listenForHostToken(signin.origin, onToken);
  }, [signin]);
  return (
    <main id="main" class="signin">
      <div class="card">
        <h1>Sign in</h1>
        {message && (
          <p class="notice" role="status">
            {message}
          </p>
        )}
        <ErrorAlert message={error} />
        {signin.kind === 'demo' && (
          <>
            <p class="muted">Choose who to be in this demo.</p>
            <ul class="identities">
              {signin.identities.map((i) => (
                <li key={i.label}>
                  <button type="button" class="btn identity" onClick={() => onToken(i.token)}>
                    {i.label}
                  </button>
                </li>
              ))}
            </ul>
            {signin.identities.length === 0 && <p>No demo identities are configured.</p>}
          </>
        )}
        {signin.kind === 'host' && (
          <p>
            Sign in through{' '}
            {signin.url ? <a href={signin.url}>{hostName(signin)}</a> : hostName(signin)}
            , then come back to your messages.
          </p>
        )}
        {signin.kind === 'cognito' && (
          <button
            type="button"
            class="btn btn-primary"
            onClick={() => startCognito(signin).catch(() => setError('The sign-in page could not be opened. Please try again.'))}
          >
            Continue to sign in
          </button>
        )}
      </div>
    </main>
  );
}
