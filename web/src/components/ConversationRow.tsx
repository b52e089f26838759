import type { Conversation } from '../api/types';
import { shortTime } from '../lib/format';
import { useTitle } from '../lib/names';

interface RowProps {
  c: Conversation;
  unread: number;
  href: string;
  selected: boolean;
  /** Overrides the computed title (the portal names a family's own general thread plainly). */
  title?: string;
  /** The signed-in person's user id: their own last message reads "You: …". */
  me: string;
}

function excerptOf(c: Conversation, me: string): string {
  const lm = c.last_message;
  if (!lm) return 'No messages yet';
  const text = lm.deleted || lm.excerpt === null ? 'Message deleted' : lm.excerpt;
  if (lm.sender_type === 'system') return text;
  return `${lm.sender_id === me ? 'You' : lm.sender_name}: ${text}`;
}

export function ConversationRow({ c, unread, href, selected, title, me }: RowProps) {
  const computed = useTitle(c);
  const name = title ?? computed;
  const lm = c.last_message;
  return (
    <li
      class={`row${unread > 0 ? ' row-unread' : ''}${selected ? ' row-selected' : ''}`}
      data-testid="conversation-row"
      data-conversation-id={c.id}
      data-unread={String(unread)}
    >
      <a href={href} aria-current={selected ? 'true' : undefined} class="row-link">
        <span class="row-top">
          <span class="row-title">{name}</span>
          {lm && (
            <time class="row-time" dateTime={lm.created_at}>
              {shortTime(lm.created_at)}
            </time>
          )}
        </span>
        <span class="row-bottom">
          <span class="row-excerpt">{excerptOf(c, me)}</span>
          {c.status === 'closed' && <span class="tag">Closed</span>}
          {unread > 0 && (
            <span class="row-count">
              <span class="dot" aria-hidden="true" />
              <span data-testid="row-unread">{unread > 999 ? '999+' : unread}</span>
              <span class="sr-only"> unread</span>
            </span>
          )}
        </span>
      </a>
    </li>
  );
}

/** A thread that does not exist yet (a pet or the family's general thread): it starts with its first message. */
export function NewThreadRow({ title, href, selected, hint }: { title: string; href: string; selected: boolean; hint: string }) {
  return (
    <li class={`row row-new${selected ? ' row-selected' : ''}`} data-testid="new-thread-row">
      <a href={href} aria-current={selected ? 'true' : undefined} class="row-link">
        <span class="row-top">
          <span class="row-title">{title}</span>
        </span>
        <span class="row-bottom">
          <span class="row-excerpt">{hint}</span>
        </span>
      </a>
    </li>
  );
}
