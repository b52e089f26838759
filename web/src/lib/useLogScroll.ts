import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../api/types';

const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 40;

/**
 * Keeps the newest message in view as messages arrive, unless the reader scrolled up (then a
 * button offers the new ones); keeps the reader's place when earlier messages are added on top.
 */
export function useLogScroll(messages: Message[], loading: boolean, onTop: () => void) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const anchor = useRef<number | null>(null);
  const newest = useRef<string | undefined>(undefined);
  const [below, setBelow] = useState(false);
  const top = useRef(onTop);
  top.current = onTop;

  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const on = () => {
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
      if (stick.current) setBelow(false);
      // Scrolling up to the oldest message shown brings the earlier ones, as the button does.
      if (el.scrollTop < NEAR_TOP_PX && el.scrollHeight > el.clientHeight) top.current();
    };
    el.addEventListener('scroll', on);
    return () => el.removeEventListener('scroll', on);
  }, []);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const last = messages[messages.length - 1]?.id;
    const arrived = newest.current !== undefined && last !== newest.current;
    newest.current = last;
    if (anchor.current !== null) {
      el.scrollTop = el.scrollHeight - anchor.current;
      anchor.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    } else if (arrived) {
      setBelow(true);
    }
  }, [messages, loading]);

  return {
    ref,
    below,
    jump: () => {
      const el = ref.current;
      stick.current = true;
      setBelow(false);
      if (el) el.scrollTop = el.scrollHeight;
    },
    toBottom: () => {
      stick.current = true;
      setBelow(false);
    },
    keepPosition: (f: () => Promise<void>) => {
      const el = ref.current;
      if (el) anchor.current = el.scrollHeight - el.scrollTop;
      void f();
    },
  };
}
