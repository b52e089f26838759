import { useCallback, useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from './api/client';
import type { AppConfig } from './config';
import { listenForHostToken, takeFragmentToken } from './auth/handoff';
import { clearToken, homeRoute, sessionFromToken, storeToken, type Session } from './auth/session';
import { TopBar } from './components/TopBar';
import { forgetDrafts } from './components/Composer';
import { forgetAccess } from './lib/access';
import { startBadge } from './lib/badge';
import { forgetNames } from './lib/names';
import { navigate, useRoute } from './lib/router';
import { Inbox } from './views/Inbox';
import { Portal } from './views/Portal';
import { Settings } from './views/Settings';
import { SignIn } from './views/SignIn';
import { Unmatched } from './views/Unmatched';

interface Props {
  config: AppConfig;
  initialToken: string | null;
  initialMessage: string | null;
}

const ENDED = 'Your sign-in has ended. Please sign in again.';
const EXPIRED = 'Your sign-in has expired. Please sign in again.';
const REFUSED = 'That sign-in could not be used. Please try another one.';

export function App({ config, initialToken, initialMessage }: Props) {
  const [session, setSession] = useState<Session | null>(() =>
    initialToken ? sessionFromToken(initialToken, config.claims) : null,
  );
  const [message, setMessage] = useState<string | null>(initialMessage);
  const route = useRoute();

  const signOut = useCallback((why: string | null) => {
    clearToken();
    forgetNames();
    forgetDrafts();
    forgetAccess();
    setSession(null);
    setMessage(why);
    navigate('#/signin');
  }, []);

  const signIn = useCallback(
    (token: string) => {
      const s = sessionFromToken(token, config.claims);
      if (!s) {
        setMessage(REFUSED);
        return;
      }
      storeToken(token);
      forgetNames();
      forgetAccess();
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

  useEffect(() => (session ? startBadge(session) : undefined), [session?.token]);

  useEffect(() => {
    if (config.signin.kind !== 'host') return undefined;
    return listenForHostToken(config.signin.origin, signIn);
  }, [config, signIn]);

  // A token can also arrive in the fragment while the app is already open.
  useEffect(() => {
    const on = () => {
      const t = takeFragmentToken();
      if (t) signIn(t);
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, [signIn]);

  useEffect(() => {
    if (session && (route.length === 0 || route[0] === 'signin')) navigate(homeRoute(session));
  }, [session, route[0]]);

  if (!session) {
    return (
      <>
        <a class="skip" href="#main" onClick={skipTo}>Skip to content</a>
        <SignIn signin={config.signin} message={message} onToken={signIn} />
      </>
    );
  }
  return (
    <>
      <a class="skip" href="#main" onClick={skipTo}>Skip to content</a>
      <TopBar session={session} route={route[0] ?? ''} onSignOut={() => signOut('You have signed out.')} />
      <View session={session} route={route} />
    </>
  );
}

// The hash is the router's: move focus without changing it.
function skipTo(e: Event) {
  e.preventDefault();
  const main = document.getElementById('main');
  if (!main) return;
  main.setAttribute('tabindex', '-1');
  main.focus();
}

function View({ session, route }: { session: Session; route: string[] }) {
  const customer = session.role === 'customer';
  switch (route[0]) {
    case 'settings':
      if (session.role === 'admin') return <Settings />;
      break;
    case 'unmatched':
      if (session.role === 'admin') return <Unmatched />;
      break;
    case 'portal':
      if (customer) return <Portal session={session} route={route} />;
      break;
    case 'c':
      return customer ? <Portal session={session} route={route} /> : <Inbox session={session} route={route} />;
    case 'inbox':
    case 'family':
      if (!customer) return <Inbox session={session} route={route} />;
      break;
  }
  return customer ? <Portal session={session} route={['portal']} /> : <Inbox session={session} route={['inbox']} />;
}
