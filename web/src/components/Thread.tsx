import { useEffect, useState } from 'preact/hooks';
import { findOrder, type Target } from '../api/endpoints';
import type { Conversation, Message, OrderConversation } from '../api/types';
import type { Session } from '../auth/session';
import { NOTICES, blockedByCode, type Blocked } from '../lib/access';
import { DEFAULT_MAX_FILES, DEFAULT_MAX_MB } from '../lib/files';
import { useStaffDirectory, useTitle, contactsOf } from '../lib/names';
import { kindLabel } from '../lib/titles';
import { dayLabel, newDay } from '../lib/format';
import { useThread, type ThreadState } from '../lib/useThread';
import { useLogScroll } from '../lib/useLogScroll';
import { Deliveries, Participants, ThreadActions } from './AdminTools';
import { Composer } from './Composer';
import { MessageItem } from './MessageItem';
import { ErrorAlert, Notice, Spinner } from './common';

interface Props {
  target: Target;
  session: Session;
  /** Where "Back to conversations" leads on narrow screens. */
  backHref?: string;
}

function pseudoConversation(t: Target): Pick<Conversation, 'kind' | 'customer_id' | 'patient_id' | 'title' | 'order_id'> | null {
  if ('conversationId' in t) return null;
  return { kind: t.patientId ? 'patient' : 'general', customer_id: t.customerId, patient_id: t.patientId ?? null, title: null, order_id: null };
}

/** Whether the viewer wrote it: their own messages sit on the right. */
const isOwn = (m: Message, s: Session) => m.sender_type !== 'system' && m.sender_id === s.sub;

function useAccess(session: Session, conversation: Conversation | null) {
  // Refusals met while writing (the mode changed, the conversation closed...) until the thread is reopened.
  const [refused, setRefused] = useState<Blocked>(null);
  const [order, setOrder] = useState<OrderConversation | null>(null);
  const orderId = conversation?.kind === 'order' ? conversation.order_id : null;
  useEffect(() => {
    let live = true;
    setOrder(null);
    const staffSide = session.role === 'admin' || session.role === 'service';
    if (orderId && staffSide) void findOrder(orderId).then((o) => live && setOrder(o)).catch(() => {});
    return () => {
      live = false;
    };
  }, [orderId, session.role]);
  return { refused, setRefused, order, setOrder };
}

interface BlockInputs {
  refused: Blocked;
  mode: ThreadState['mode'];
  conversation: Conversation | null;
  order: OrderConversation | null;
  session: Session;
}

function blockedOf({ refused, mode, conversation, order, session }: BlockInputs): Blocked {
  if (refused === 'disabled') return 'disabled';
  if (conversation?.status === 'closed') return 'closed';
  if (session.role === 'admin' && order && !order.admin_can_write) return 'observe';
  if (mode === 'read_only') return 'read_only';
  return refused;
}

export function Thread({ target, session, backHref }: Props) {
  const [seen, setSeen] = useState(true);
  const { state, refresh, loadOlder, addSent, replace } = useThread(target, session, seen);
  const { conversation, messages } = state;
  const title = useTitle(conversation ?? pseudoConversation(target));
  const { refused, setRefused, order, setOrder } = useAccess(session, conversation);
  const limits = {
    maxMb: state.limits?.max_attachment_mb ?? DEFAULT_MAX_MB,
    maxFiles: state.limits?.max_attachments ?? DEFAULT_MAX_FILES,
  };
  const editWindowMs = (state.limits?.edit_window_minutes ?? DEFAULT_EDIT_WINDOW_MINUTES) * 60_000;
  const [msgError, setMsgError] = useState<string | null>(null);
  const admin = session.role === 'admin' || session.role === 'service';
  const readers = useReaders(session, conversation, state.readers);
  const log = useLogScroll(messages, state.loading, () => {
    if (state.olderCursor && !state.loadingOlder) log.keepPosition(loadOlder);
  });
  // New messages that arrived while the reader was scrolled up are not read until they are reached.
  useEffect(() => setSeen(!log.below), [log.below]);
  // Back to full mode: a read-only refusal met earlier no longer holds.
  useEffect(() => {
    if (state.mode === 'full') setRefused((r) => (r === 'read_only' ? null : r));
  }, [state.mode]);

  if (state.disabled) {
    return (
      <section class="thread" aria-labelledby="thread-title">
        <ThreadHead title={title || 'Messages'} backHref={backHref} />
        <Notice>{NOTICES.disabled}</Notice>
      </section>
    );
  }
  const blocked = blockedOf({ refused, mode: state.mode, conversation, order, session });
  // Participants for orders, delivery records for admins: the side panel only when it has something.
  const side = !!conversation && ((admin && !!order) || session.role === 'admin');
  const onRefused = (code: string | undefined) => {
    const b = blockedByCode(code);
    if (b) setRefused(b);
    if (b === 'closed' || b === 'read_only') void refresh();
    return b !== null;
  };
  return (
    <section class={`thread${side ? ' has-side' : ''}`} aria-labelledby="thread-title">
      <div class="thread-main">
        <ThreadHead title={title} backHref={backHref} conversation={conversation} />
        {admin && conversation && <ThreadActions conversation={conversation} onClosed={() => void refresh()} />}
        <ErrorAlert message={state.notFound ? 'This conversation could not be found, or you no longer have access to it.' : state.error} />
        <ErrorAlert message={msgError} />
        <div class="log-wrap">
          {state.olderCursor && (
            <button type="button" class="btn btn-quiet load-earlier" onClick={() => log.keepPosition(loadOlder)} disabled={state.loadingOlder}>
              {state.loadingOlder ? 'Loading…' : 'Load earlier messages'}
            </button>
          )}
          <div role="log" aria-label="Messages" class="log" ref={log.ref} tabIndex={0} aria-busy={state.loading}>
            {state.loading && <Spinner label="Loading messages…" />}
            {!state.loading && messages.length === 0 && !state.error && <p class="empty">No messages yet. Write the first one below.</p>}
            <MessageList messages={messages} session={session} readers={readers} writable={!blocked} editWindowMs={editWindowMs} unreadFrom={state.unreadFrom}
              onChanged={replace} onError={setMsgError} />
          </div>
          {log.below && (
            <button type="button" class="btn btn-small jump" onClick={log.jump}>
              New messages below ↓
            </button>
          )}
        </div>
        {!state.loading && !state.notFound && (blocked ? (
          <Notice>{NOTICES[blocked]}</Notice>
        ) : (
          <Composer key={JSON.stringify(target)} target={target} staffSide={session.role !== 'customer'} limits={limits}
            onSent={(m) => {
              addSent(m);
              log.toBottom();
            }}
            onRefused={onRefused} />
        ))}
      </div>
      {side && conversation && (
        <div class="thread-side">
          {order && <Participants order={order} onChange={setOrder} />}
          {/* Delivery records are the tenant admin's to read, not the host application's. */}
          {session.role === 'admin' && <Deliveries conversationId={conversation.id} version={messages.length} />}
        </div>
      )}
    </section>
  );
}

interface ListProps {
  messages: Message[];
  session: Session;
  readers: ((m: Message) => string[] | null) | null;
  /** Whether the viewer may write here now: edits and unsending follow the same rules as sending. */
  writable: boolean;
  /** How long after sending an author may still edit or unsend. */
  editWindowMs: number;
  unreadFrom: string | null;
  onChanged: (m: Partial<Message> & { id: string }) => void;
  onError: (m: string | null) => void;
}

// The API's default, until the first page tells the business's own; the API has the last word.
const DEFAULT_EDIT_WINDOW_MINUTES = 15;
const EDITABLE = new Set<Message['type']>(['text', 'attachment']);

/** Oldest at the top, a divider where the day changes. */
function MessageList({ messages, session, readers, writable, editWindowMs, unreadFrom, onChanged, onError }: ListProps) {
  const admin = session.role === 'admin' || session.role === 'service';
  const now = Date.now();
  const rights = (m: Message) => {
    const own = isOwn(m, session);
    const canEdit = own && writable && EDITABLE.has(m.type) && now - Date.parse(m.created_at) < editWindowMs;
    return { own, canEdit, canDelete: admin || canEdit };
  };
  return (
    <ol class="msgs">
      {messages.map((m, i) => [
        newDay(messages[i - 1]?.created_at, m.created_at) && (
          <li key={`day-${m.id}`} class="day">
            <span>{dayLabel(m.created_at)}</span>
          </li>
        ),
        m.id === unreadFrom && (
          <li key={`new-${m.id}`} class="day day-new">
            <span>New messages</span>
          </li>
        ),
        <MessageItem key={m.id} m={m} readers={readers ? readers(m) : null} {...rights(m)} onChanged={onChanged} onError={onError} />,
      ])}
    </ol>
  );
}

/** The staff side is told who read each message, by id, and the page names them; the directories fill in. */
function useReaders(session: Session, conversation: Conversation | null, named: Record<string, string>) {
  const staffSide = session.role !== 'customer';
  // Basic staff may not read the staff directory; what they are told of are the family's readers.
  const dir = useStaffDirectory(staffSide && session.role !== 'basic_staff');
  const [contacts, setContacts] = useState<Map<string, string>>(new Map());
  const customerId = conversation?.customer_id;
  useEffect(() => {
    if (staffSide && customerId)
      void contactsOf(customerId).then((cs) => setContacts(new Map(cs.map((c) => [c.contact_id, c.name]))));
  }, [staffSide, customerId]);
  if (!staffSide) return null;
  // Only names are shown: an id we cannot name (a directory this person may not read) is left out.
  return (m: Message) => {
    const names = (m.read_by ?? [])
      .map((id) => named[id] ?? dir.get(id)?.name ?? contacts.get(id))
      .filter((n): n is string => !!n);
    return names.length ? names : null;
  };
}

function ThreadHead({ title, backHref, conversation }: { title: string; backHref?: string; conversation?: Conversation | null }) {
  return (
    <header class="thread-head">
      {backHref && (
        <a class="back" href={backHref}>
          ← Back to conversations
        </a>
      )}
      <h2 id="thread-title" tabIndex={-1}>{title || 'Conversation'}</h2>
      {conversation && (
        <p class="muted thread-meta">
          {kindLabel[conversation.kind]}
          {conversation.status === 'closed' ? ' · Closed' : ''}
        </p>
      )}
    </header>
  );
}
