import { useCallback, useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from '../api/client';
import { forgetDrafts } from '../lib/useComposer';
import { forgetNames } from '../lib/names';
import { navigate } from '../lib/router';
import type { AppConfig } from '../config';
import { listenForHostToken, takeFragmentToken } from './handoff';
import { clearToken, homeRoute, sessionFromToken, storeToken, type Session } from './session';

const ENDED = 'Your sign-in has ended. Please sign in again.';
const EXPIRED = 'Your sign-in has expired. Please sign in again.';
const REFUSED = 'That sign-in could not be used. Please try another one.';
export const SIGNED_OUT = 'You have signed out.';

function forgetEverything() {
  clearToken();
  forgetNames();
  forgetDrafts();
}

/** The signed-in person: sign-in from any source, and sign-out on request, on 401 and at expiry. */
export function useAuth(config: AppConfig, initialToken: string | null, initialMessage: string | null) {
  const [session, setSession] = useState<Session | null>(() => (initialToken ? sessionFromToken(initialToken, config.claims) : null));
  const [message, setMessage] = useState<string | null>(initialMessage);

  const signOut = useCallback((why: string | null) => {
    forgetEverything();
    setSession(null);
    setMessage(why);
    navigate('#/signin');
  }, []);

  const signIn = useCallback(
    (token: string) => {
      const s = sessionFromToken(token, config.claims);
      if (!s) return setMessage(REFUSED);
      forgetEverything();
      storeToken(token);
      setMessage(null);
      setSession(s);
      navigate(homeRoute(s));
    },
    [config],
  );

  useEffect(() => onUnauthorized(() => signOut(ENDED)), [signOut]);

  // The token is dropped the moment it expires, not at the next refused request.
  useEffect(() => {
    if (!session?.exp) return undefined;
    const ms = session.exp * 1000 - Date.now();
    const t = setTimeout(() => signOut(EXPIRED), Math.max(0, Math.min(ms, 2_147_000_000)));
    return () => clearTimeout(t);
  }, [session, signOut]);

  // A token can also arrive in the fragment while the app is open, or from the host application.
  useEffect(() => {
    const on = () => {
      const t = takeFragmentToken();
      if (t) signIn(t);
    };
    window.addEventListener('hashchange', on);
    const stopHost = config.signin.kind === 'host' ? listenForHostToken(config.signin.origin, signIn) : () => {};
    return () => {
      window.removeEventListener('hashchange', on);
      stopHost();
    };
  }, [config, signIn]);

  return { session, message, signIn, signOut };
}
