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

/** Asks for a fresh badge now (after reading a thread, or coming back to the tab). */
export const refreshBadge = () => refresh();

function publish(badge: Badge) {
  badgeStore.set({ badge, version: badgeStore.get().version + 1 });
}

/** The leader's loop: `If-None-Match` keeps unchanged rounds at a 304 with no body. */
function createPoller(share: (b: Badge) => void, fast: () => boolean) {
  let etag: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let stopped = false;
  async function poll() {
    if (stopped || inFlight) return;
    clearTimeout(timer);
    inFlight = true;
    try {
      const r = await unreadBadge(etag);
      if (r) {
        etag = r.etag;
        publish(r.badge);
        share(r.badge);
      }
    } catch {
      // Keep the last badge; the next round tries again (a 401 signs out in the client).
    } finally {
      inFlight = false;
    }
    if (!stopped) timer = setTimeout(poll, fast() ? VISIBLE_MS : HIDDEN_MS);
  }
  return {
    poll,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** Web Locks elect one tab per person; the lock passes on when that tab closes. */
function electLeader(name: string, signal: AbortSignal, onLead: () => void): boolean {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return false;
  locks
    .request(name, { signal }, () => {
      if (signal.aborted) return undefined;
      onLead();
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    })
    .catch(() => {});
  return true;
}

export function startBadge(session: Session): () => void {
  const key = `${session.tenant}|${session.sub}`;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('tidings') : null;
  const abort = new AbortController();
  let leader = false;
  let heardVisibleAt = 0;
  const post = (m: Body) => channel?.postMessage({ ...m, key });
  const onScreen = () => document.visibilityState === 'visible';
  const fast = () => onScreen() || Date.now() - heardVisibleAt < HEARTBEAT_MS * 1.5;
  const poller = createPoller((badge) => post({ type: 'badge', badge }), fast);
  const lead = () => {
    leader = true;
    void poller.poll();
  };

  if (channel) {
    channel.onmessage = (e: MessageEvent<Msg>) => {
      const m = e.data;
      if (!m || m.key !== key) return;
      const current = badgeStore.get().badge;
      if (m.type === 'badge' && !leader) publish(m.badge);
      else if (m.type === 'hello' && leader && current) post({ type: 'badge', badge: current });
      else if (m.type === 'wake' && leader) void poller.poll();
      else if (m.type === 'visible') {
        // A tab coming on screen gets a fresh badge at once; the heartbeat only keeps the pace up.
        const wasSlow = !fast();
        heardVisibleAt = Date.now();
        if (leader && wasSlow) void poller.poll();
      }
    };
  }
  if (channel && electLeader(`tidings-badge:${key}`, abort.signal, lead)) post({ type: 'hello' });
  else lead();

  refresh = () => (leader ? void poller.poll() : post({ type: 'wake' }));
  const onVisibility = () => onScreen() && (leader ? void poller.poll() : post({ type: 'visible' }));
  document.addEventListener('visibilitychange', onVisibility);
  const heartbeat = setInterval(() => !leader && onScreen() && post({ type: 'visible' }), HEARTBEAT_MS);

  return () => {
    poller.stop();
    clearInterval(heartbeat);
    abort.abort();
    channel?.close();
    document.removeEventListener('visibilitychange', onVisibility);
    refresh = () => {};
    badgeStore.set({ badge: null, version: 0 });
  };
}
