import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { activity, type ActivityFilter } from '../api/endpoints';
import { errorSentence, isApiError } from '../api/client';
import type { Conversation } from '../api/types';
import { badgeStore } from './badge';
import { useStore } from './store';

export interface ActivityState {
  rows: Conversation[];
  cursor: string | null;
  loading: boolean;
  error: string | null;
  disabled: boolean;
}

const PAGE = 20;
// A filtered page reads a bounded window of the feed and may come back short; follow the
// cursor a few pages to fill the screen, then wait for the reader to scroll.
const MAX_FOLLOW = 5;

async function fetchRows(filter: ActivityFilter, cursor: string | null) {
  let rows: Conversation[] = [];
  let next = cursor;
  for (let i = 0; i < MAX_FOLLOW; i++) {
    const page = await activity(filter, next);
    rows = rows.concat(page.conversations);
    next = page.next_cursor;
    if (!next || rows.length >= PAGE) break;
  }
  return { rows, next };
}

function appended(s: ActivityState, have: Conversation[], rows: Conversation[], cursor: string | null): ActivityState {
  const seen = new Set(have.map((r) => r.id));
  return { ...s, rows: have.concat(rows.filter((r) => !seen.has(r.id))), cursor, loading: false, error: null, disabled: false };
}

/** Newest first: the first page's rows go to the top, the rest keep their place below. */
function withTop(s: ActivityState, top: Conversation[]): ActivityState {
  const ids = new Set(top.map((r) => r.id));
  return { ...s, rows: top.concat(s.rows.filter((r) => !ids.has(r.id))), error: null, disabled: false };
}

/** The inbox: pages of `GET /messages/activity`, refreshed when the badge says something moved. */
export function useActivity(filter: ActivityFilter, enabled = true) {
  const key = JSON.stringify(filter);
  const [state, setState] = useState<ActivityState>({ rows: [], cursor: null, loading: true, error: null, disabled: false });
  const live = useRef(key);
  const busy = useRef(false);
  const { version } = useStore(badgeStore);

  const load = useCallback(
    async (cursor: string | null) => {
      const k = key;
      if (busy.current) return;
      busy.current = true;
      setState((s) => ({ ...s, loading: true, error: null }));
      try {
        const { rows, next } = await fetchRows(filter, cursor);
        if (live.current !== k) return;
        setState((s) => appended(s, cursor ? s.rows : [], rows, next));
      } catch (e) {
        if (live.current !== k) return;
        setState((s) => ({ ...s, loading: false, error: errorSentence(e), disabled: isApiError(e, 'messaging_disabled') }));
      } finally {
        if (live.current === k) busy.current = false;
      }
    },
    [key],
  );

  const refreshTop = useCallback(async () => {
    const k = key;
    if (busy.current) return;
    try {
      const page = await activity(filter, null);
      if (live.current !== k) return;
      setState((s) => withTop(s, page.conversations));
    } catch (e) {
      if (live.current !== k) return;
      if (isApiError(e, 'messaging_disabled')) setState((s) => ({ ...s, disabled: true }));
    }
  }, [key]);

  useEffect(() => {
    if (!enabled) return;
    live.current = key;
    busy.current = false;
    setState({ rows: [], cursor: null, loading: true, error: null, disabled: false });
    void load(null);
  }, [key, enabled, load]);

  // While messaging is off nothing else polls the list: look again now and then, to come back when it is on.
  useEffect(() => {
    if (!state.disabled) return undefined;
    const t = setInterval(() => void load(null), 60_000);
    return () => clearInterval(t);
  }, [state.disabled, load]);

  // The first badge this list sees is what it was loaded with (both arrive as the inbox
  // opens); only a later change of the badge refreshes the list.
  const baseline = useRef<number | null>(null);
  useEffect(() => {
    if (version === 0) return;
    if (baseline.current === null) {
      baseline.current = version;
      return;
    }
    if (enabled) void refreshTop();
  }, [version]);

  return { state, more: () => state.cursor && load(state.cursor), reload: () => load(null) };
}

/** Unread per conversation from the badge, which stays fresher than the list's own counts. */
export function useUnreadOf(): (c: Conversation) => number {
  const { badge } = useStore(badgeStore);
  if (!badge || badge.capped) return (c) => c.unread_count;
  const map = new Map(badge.conversations.map((b) => [b.conversation_id, b.unread_count]));
  return (c) => map.get(c.id) ?? 0;
}
