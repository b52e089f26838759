// Ways a token reaches the app besides the demo buttons: the URL fragment, a host
// application's postMessage, and Cognito's hosted UI (authorization code with PKCE).
import type { SignIn } from '../config';

/** `#token=<jwt>` (also mixed with other fragment parameters); removes it from the address bar. */
export function takeFragmentToken(): string | null {
  const hash = location.hash.replace(/^#/, '');
  if (!hash.startsWith('token=') && !hash.includes('&token=')) return null;
  const token = new URLSearchParams(hash).get('token');
  history.replaceState(null, '', location.pathname + location.search);
  return token || null;
}

/** Listens for `{type: "tidings:token", token}` from the opener or parent window. */
export function listenForHostToken(origin: string | undefined, onToken: (t: string) => void): () => void {
  const handler = (e: MessageEvent) => {
    if (origin && e.origin !== origin) return;
    if (e.source !== window.parent && e.source !== window.opener) return;
    const d = e.data as { type?: unknown; token?: unknown } | null;
    if (d && d.type === 'tidings:token' && typeof d.token === 'string') onToken(d.token);
  };
  window.addEventListener('message', handler);
  return () => window.removeEventListener('message', handler);
}

type Cognito = Extract<SignIn, { kind: 'cognito' }>;
const VERIFIER = 'tidings.pkce';

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const hostUrl = (domain: string) => (domain.startsWith('http') ? domain : `https://${domain}`).replace(/\/$/, '');

export async function startCognito(c: Cognito): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(VERIFIER, JSON.stringify({ verifier, state }));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const scopes = Array.isArray(c.scopes) ? c.scopes.join(' ') : (c.scopes ?? 'openid');
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: c.client_id,
    redirect_uri: c.redirect_uri,
    scope: scopes,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${hostUrl(c.domain)}/oauth2/authorize?${q}`);
}

/** On return from the hosted UI (`?code=&state=`): exchanges the code for tokens; the id token is the bearer. */
export async function finishCognito(c: Cognito): Promise<string | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code) return null;
  const saved = JSON.parse(sessionStorage.getItem(VERIFIER) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(VERIFIER);
  history.replaceState(null, '', location.pathname + location.hash);
  if (!saved || saved.state !== params.get('state')) throw new Error('The sign-in could not be confirmed. Please try again.');
  const res = await fetch(`${hostUrl(c.domain)}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: c.client_id,
      code,
      redirect_uri: c.redirect_uri,
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error('The sign-in service refused the sign-in. Please try again.');
  const data = (await res.json()) as { id_token?: string };
  return data.id_token ?? null;
}
