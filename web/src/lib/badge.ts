// The unread badge, polled by one tab per person and shared with the others over
// BroadcastChannel, so many open tabs cost the API what one does.
import { unreadBadge } from '../api/endpoints';
import type { Badge } from '../api/types';
import type { Session } from '../auth/session';
import { createStore } from './store';

export interface BadgeState {
  badge: Badge | null;
  /** Bumped on every new badge: threads and lists refresh when it moves. */
  version: number;
}

export const badgeStore = createStore<BadgeState>({ badge: null, version: 0 });

const VISIBLE_MS = 10_000;
const HIDDEN_MS = 60_000;
// A follower that is on screen says so this often; the leader keeps the fast pace while it hears it.
const HEARTBEAT_MS = 20_000;

type Body = { type: 'badge'; badge: Badge } | { type: 'wake' | 'hello' | 'visible' };
type Msg = Body & { key: string };

let refresh: () => void = () => {};

/** Asks for a fresh badge now (after reading a thread, sending, or coming back to the tab). */
export const refreshBadge = () => refresh();

export function startBadge(session: Session): () => void {
  const key = `${session.tenant}|${session.sub}`;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('tidings') : null;
  const abort = new AbortController();
  let leader = false;
  let etag: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling = false;
  let heardVisibleAt = 0;
  let stopped = false;

  const post = (m: Body) => channel?.postMessage({ ...m, key });
  const visibleSomewhere = () => document.visibilityState === 'visible' || Date.now() - heardVisibleAt < HEARTBEAT_MS * 1.5;

  function publish(badge: Badge, share: boolean) {
    badgeStore.set({ badge, version: badgeStore.get().version + 1 });
    if (share) post({ type: 'badge', badge });
  }

  async function poll() {
    if (stopped || !leader || polling) return;
    clearTimeout(timer);
    polling = true;
    try {
      const r = await unreadBadge(etag);
      if (r) {
        etag = r.etag;
        publish(r.badge, true);
      }
    } catch {
      // Keep the last badge; the next round tries again (sign-out on 401 happens in the client).
    } finally {
      polling = false;
    }
    if (!stopped) timer = setTimeout(poll, visibleSomewhere() ? VISIBLE_MS : HIDDEN_MS);
  }

  const becomeLeader = () => {
    leader = true;
    etag = null;
    void poll();
  };

  if (channel) {
    channel.onmessage = (e: MessageEvent<Msg>) => {
      const m = e.data;
      if (!m || m.key !== key) return;
      if (m.type === 'badge' && !leader) publish(m.badge, false);
      else if (m.type === 'hello' && leader && badgeStore.get().badge) post({ type: 'badge', badge: badgeStore.get().badge! });
      else if (m.type === 'visible' || m.type === 'wake') {
        if (m.type === 'visible') heardVisibleAt = Date.now();
        if (leader) void poll();
      }
    };
  }

  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (locks && channel) {
    locks
      .request(`tidings-badge:${key}`, { signal: abort.signal }, () => {
        if (stopped) return undefined;
        becomeLeader();
        // Held until this tab goes away or signs out; then the next tab takes over.
        return new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve()));
      })
      .catch(() => {});
    post({ type: 'hello' });
  } else {
    becomeLeader();
  }

  refresh = () => (leader ? void poll() : post({ type: 'wake' }));

  const onVisibility = () => {
    if (document.visibilityState !== 'visible') return;
    if (leader) void poll();
    else post({ type: 'visible' });
  };
  document.addEventListener('visibilitychange', onVisibility);
  const heartbeat = setInterval(() => {
    if (!leader && document.visibilityState === 'visible') post({ type: 'visible' });
  }, HEARTBEAT_MS);

  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(heartbeat);
    abort.abort();
    channel?.close();
    document.removeEventListener('visibilitychange', onVisibility);
    refresh = () => {};
    badgeStore.set({ badge: null, version: 0 });
  };
}
