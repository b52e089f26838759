import { useEffect } from 'preact/hooks';
import type { AppConfig } from './config';
import { SIGNED_OUT, useAuth } from './auth/useAuth';
import { homeRoute, type Session } from './auth/session';
import { TopBar } from './components/TopBar';
import { startBadge } from './lib/badge';
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

export function App({ config, initialToken, initialMessage }: Props) {
  const { session, message, signIn, signOut } = useAuth(config, initialToken, initialMessage);
  const route = useRoute();

  useEffect(() => (session ? startBadge(session) : undefined), [session?.token]);

  useEffect(() => {
    if (session && (route.length === 0 || route[0] === 'signin')) navigate(homeRoute(session));
  }, [session, route[0]]);

  return (
    <>
      <a class="skip" href="#main" onClick={skipTo}>
        Skip to content
      </a>
      {session ? (
        <>
          <TopBar session={session} route={route[0] ?? ''} onSignOut={() => signOut(SIGNED_OUT)} />
          <View key={session.token} session={session} route={route} />
        </>
      ) : (
        <SignIn signin={config.signin} message={message} onToken={signIn} />
      )}
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
