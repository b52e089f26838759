import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { Session } from '../auth/session';
import { badgeText } from '../lib/format';
import { badgeStore } from '../lib/badge';
import { useStore } from '../lib/store';
import { UnreadBadge } from './common';

const ROLE_NAMES: Record<Session['role'], string> = {
  admin: 'Admin',
  staff: 'Staff',
  basic_staff: 'Staff',
  customer: 'Customer',
  service: 'Host application',
};

export function TopBar({ session, route, onSignOut }: { session: Session; route: string; onSignOut: () => void }) {
  const { badge } = useStore(badgeStore);
  const customer = session.role === 'customer';
  const home = customer ? '#/portal' : '#/inbox';
  const total = badge?.total_unread ?? 0;
  // The tab's title shows the count too, for people working in another tab.
  useEffect(() => {
    document.title = total > 0 ? `(${badgeText(total, badge?.capped ?? false)}) Messages` : 'Messages';
  }, [total, badge?.capped]);
  const bar = useTopBarHeight();
  const current = (r: string) => (route === r ? 'page' : undefined);
  const inThreads = customer ? route === 'portal' : route === 'inbox' || route === 'c' || route === 'family';
  return (
    <header class="topbar" ref={bar}>
      <nav aria-label="Main" class="topnav">
        <a href={home} aria-current={inThreads ? 'page' : undefined} class="navlink">
          {customer ? 'Messages' : 'Inbox'}
        </a>
        <UnreadBadge count={badge?.total_unread ?? 0} capped={badge?.capped ?? false} />
        {session.role === 'admin' && (
          <>
            <a href="#/settings" aria-current={current('settings')} class="navlink">
              Settings
            </a>
            <a href="#/unmatched" aria-current={current('unmatched')} class="navlink">
              Unmatched texts
            </a>
          </>
        )}
      </nav>
      <div class="who">
        <span class="who-name">{session.name}</span>
        <span class="who-role">{ROLE_NAMES[session.role]}</span>
        <button type="button" class="btn btn-quiet" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

/** The bar wraps on small screens: the panes below size themselves from its real height. */
function useTopBarHeight() {
  const ref = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver !== 'function') return undefined;
    const set = () => document.documentElement.style.setProperty('--topbar', `${Math.ceil(el.getBoundingClientRect().height)}px`);
    const ro = new ResizeObserver(set);
    ro.observe(el);
    set();
    return () => ro.disconnect();
  }, []);
  return ref;
}
