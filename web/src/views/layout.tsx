import { useEffect, useRef } from 'preact/hooks';
import { navigate } from '../lib/router';

export const NARROW = '(max-width: 700px)';

// Focus to move once the next route has rendered (the element to focus may not exist yet).
let pendingFocus: string | null = null;

export function focusAfterRoute(selector: string): void {
  pendingFocus = selector;
}

/** Moves focus where the last action asked, after the view for the new route rendered. */
export function usePendingFocus(routeKey: string) {
  useEffect(() => {
    if (!pendingFocus) return;
    const sel = pendingFocus;
    pendingFocus = null;
    requestAnimationFrame(() => {
      const el = (document.querySelector(sel) ?? document.querySelector('.rows a')) as HTMLElement | null;
      el?.focus();
    });
  }, [routeKey]);
}

/** On narrow screens the thread replaces the list; Escape goes back to the list. */
export function useNarrowEscape(open: boolean, back = '#/inbox') {
  useEffect(() => {
    if (!open) return undefined;
    const on = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || !matchMedia(NARROW).matches) return;
      const open = location.hash.match(/^#\/c\/([^/]+)/);
      focusAfterRoute(open ? `[data-conversation-id="${CSS.escape(decodeURIComponent(open[1]))}"] a` : '.rows a');
      navigate(back);
    };
    document.addEventListener('keydown', on);
    return () => document.removeEventListener('keydown', on);
  }, [open, back]);
}

/** Loads the next page when the end of the list scrolls into view; the button does it from the keyboard. */
export function InfiniteEnd({ hasMore, loading, onMore, label }: { hasMore: boolean; loading: boolean; onMore: () => void; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const cb = useRef(onMore);
  cb.current = onMore;
  useEffect(() => {
    const el = ref.current;
    if (!el || !hasMore || loading || typeof IntersectionObserver !== 'function') return undefined;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && cb.current());
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, loading]);
  if (!hasMore) return null;
  return (
    <div ref={ref} class="more">
      <button type="button" class="btn btn-quiet" onClick={onMore} disabled={loading}>
        {loading ? 'Loading…' : label}
      </button>
    </div>
  );
}
