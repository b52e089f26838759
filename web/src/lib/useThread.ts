import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { markRead, threadPage, type Target } from '../api/endpoints';
import { errorSentence, isApiError } from '../api/client';
import type { Conversation, Limits, Message, ThreadPage } from '../api/types';
import type { Session } from '../auth/session';
import { badgeStore, refreshBadge } from './badge';

export interface ThreadState {
  conversation: Conversation | null;
  messages: Message[];
  olderCursor: string | null;
  loading: boolean;
  loadingOlder: boolean;
  error: string | null;
  disabled: boolean;
  notFound: boolean;
  /** The first message that was unread when the thread opened: "New messages" sits above it. */
  unreadFrom: string | null;
  /** The business's messaging mode, as the last page told it. */
  mode: 'full' | 'read_only' | null;
  /** Names of the people receipts name, as pages told them. */
  readers: Record<string, string>;
  /** What the business allows here, as the last page told it. */
  limits: Limits | null;
}

const INITIAL: ThreadState = {
  conversation: null, messages: [], olderCursor: null, loading: true, loadingOlder: false,
  error: null, disabled: false, notFound: false, unreadFrom: null, mode: null, readers: {}, limits: null,
};

// Ids are ULIDs: their order is the order messages were written in.
const byId = (a: Message, b: Message) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function merge(have: Message[], page: Message[]): Message[] {
  const map = new Map(have.map((m) => [m.id, m]));
  for (const m of page) map.set(m.id, m);
  return [...map.values()].sort(byId);
}

/** The state with the newest page in it: merged, or in place of what we held when there is a gap. */
function withNewest(s: ThreadState, page: ThreadPage): ThreadState {
  const newest = page.messages.slice().reverse();
  const first = s.loading;
  const last = s.messages[s.messages.length - 1];
  const gap = !first && !!page.next_cursor && !!last && newest.length > 0 && newest[0].id > last.id;
  return {
    ...s,
    conversation: page.conversation ?? s.conversation,
    messages: first || gap ? newest : merge(s.messages, newest),
    olderCursor: first || gap ? page.next_cursor : s.olderCursor,
    unreadFrom: first ? (newest.find((m) => m.is_read === false)?.id ?? null) : s.unreadFrom,
    mode: page.mode ?? s.mode,
    readers: { ...s.readers, ...(page.readers ?? {}) },
    limits: page.limits ?? s.limits,
    loading: false,
    error: null,
    disabled: false,
    notFound: false,
  };
}

const POLL_CHECK_MS = 5_000;
const POLL_IDLE_MS = 30_000;

/**
 * Loads a thread, keeps it fresh while it is on screen, and marks it read when its newest
 * message is seen (`seen`: the reader is at the newest message, not scrolled away from it).
 */
export function useThread(target: Target, session: Session, seen = true) {
  const key = JSON.stringify(target);
  const [state, setState] = useState<ThreadState>(INITIAL);
  const live = useRef(key);
  const lastFetch = useRef(0);
  const seenBadge = useRef(badgeStore.get().version);
  const markedUpTo = useRef<string | null>(null);
  const olderBusy = useRef(false);
  // Everyone on the staff side is told who read each message ("Read by Casey"); customers are not.
  const readBy = session.role !== 'customer';

  const refresh = useCallback(async () => {
    const k = key;
    lastFetch.current = Date.now();
    seenBadge.current = badgeStore.get().version;
    try {
      const page = await threadPage(target, null, { readBy });
      if (live.current !== k) return;
      setState((s) => withNewest(s, page));
    } catch (e) {
      if (live.current !== k) return;
      setState((s) => ({
        ...s, loading: false, error: errorSentence(e),
        disabled: isApiError(e, 'messaging_disabled'), notFound: isApiError(e) && e.status === 404,
      }));
    }
  }, [key, readBy]);

  const loadOlder = useCallback(async () => {
    const cursor = state.olderCursor;
    // Scroll events come faster than renders: one page at a time.
    if (!cursor || olderBusy.current) return;
    olderBusy.current = true;
    const k = key;
    setState((s) => ({ ...s, loadingOlder: true }));
    try {
      const page = await threadPage(target, cursor, { readBy });
      if (live.current !== k) return;
      setState((s) => ({ ...s, loadingOlder: false, messages: merge(s.messages, page.messages), olderCursor: page.next_cursor }));
    } catch (e) {
      if (live.current !== k) return;
      setState((s) => ({ ...s, loadingOlder: false, error: errorSentence(e) }));
    } finally {
      olderBusy.current = false;
    }
  }, [key, state.olderCursor, readBy]);

  const addSent = useCallback((m: Message) => {
    setState((s) => ({ ...s, messages: merge(s.messages, [m]) }));
  }, []);

  /** An edit or deletion: the stored message over what we hold, keeping the viewer's read state. */
  const replace = useCallback((m: Partial<Message> & { id: string }) => {
    setState((s) => ({ ...s, messages: s.messages.map((x) => (x.id === m.id ? { ...x, ...m } : x)) }));
  }, []);

  useEffect(() => {
    live.current = key;
    markedUpTo.current = null;
    setState(INITIAL);
    void refresh();
    return pollWhileVisible(() => void refresh(), lastFetch, seenBadge);
  }, [key, refresh]);

  useMarkRead(target, session, seen ? state.messages : [], markedUpTo, setState);

  return { state, refresh, loadOlder, addSent, replace };
}

/** Refreshes as soon as the badge moves (something new arrived), else every 30 s; only while on screen. */
function pollWhileVisible(refresh: () => void, lastFetch: { current: number }, seenBadge: { current: number }): () => void {
  const onScreen = () => document.visibilityState === 'visible';
  const moved = () => badgeStore.get().version !== seenBadge.current;
  const unsubscribe = badgeStore.subscribe(() => {
    if (onScreen() && moved() && Date.now() - lastFetch.current >= 1_000) refresh();
  });
  const tick = setInterval(() => {
    if (onScreen() && (moved() || Date.now() - lastFetch.current >= POLL_IDLE_MS)) refresh();
  }, POLL_CHECK_MS);
  const onVisible = () => {
    if (onScreen() && Date.now() - lastFetch.current >= POLL_CHECK_MS) refresh();
  };
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    unsubscribe();
    clearInterval(tick);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

function useMarkRead(
  target: Target,
  session: Session,
  messages: Message[],
  markedUpTo: { current: string | null },
  setState: (f: (s: ThreadState) => ThreadState) => void,
) {
  // Admins' reading leaves no trace by design, and the host application has no inbox.
  const reads = session.role !== 'admin' && session.role !== 'service';
  const [visible, setVisible] = useState(document.visibilityState === 'visible');
  useEffect(() => {
    const on = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  const newest = messages[messages.length - 1];
  const unread = messages.some((m) => m.is_read === false);
  useEffect(() => {
    if (!reads || !visible || !newest || !unread || markedUpTo.current === newest.id) return;
    markedUpTo.current = newest.id;
    markRead(target, newest.id)
      .then(() => {
        setState((s) => ({ ...s, messages: s.messages.map((m) => (m.id <= newest.id ? { ...m, is_read: true } : m)) }));
        refreshBadge();
      })
      .catch(() => {
        markedUpTo.current = null;
      });
  }, [reads, visible, newest?.id, unread]);
}
