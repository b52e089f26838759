import { useState } from 'preact/hooks';
import { attachmentPath } from '../api/endpoints';
import { errorSentence } from '../api/client';
import type { Attachment, Message } from '../api/types';
import { downloadFile } from '../lib/download';
import { MessageActions } from './MessageActions';
import { clock, fileSize, fullTime, humanize, messageTime } from '../lib/format';

function AttachmentLink({ a, onError }: { a: Attachment; onError: (m: string | null) => void }) {
  const [busy, setBusy] = useState(false);
  const open = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      await downloadFile(attachmentPath(a.id), a.name);
    } catch (err) {
      onError(`“${a.name}” could not be downloaded. ${errorSentence(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li>
      <a href="#" data-testid="attachment" class="attachment" onClick={open} aria-busy={busy || undefined}>
        {a.name}
      </a>{' '}
      <span class="muted">({fileSize(a.size)})</span>
    </li>
  );
}

function statusLine(m: Message): string {
  const md = m.metadata ?? {};
  const from = md.old_status;
  const to = md.new_status;
  if (to !== undefined) return from !== undefined ? `Status: ${humanize(from)} → ${humanize(to)}` : `Status: ${humanize(to)}`;
  return m.message || 'Status changed';
}

function Receipt({ m, readers }: { m: Message; readers: string[] | null }) {
  let text = 'Sent';
  if (m.read_by_recipient || (readers && readers.length)) {
    const at = m.read_by_recipient_at ? ` at ${clock(m.read_by_recipient_at)}` : '';
    text = readers && readers.length ? `Read by ${readers.join(', ')}${at}` : `Read${at}`;
  }
  return (
    <span class="receipt" data-testid="receipt">
      {text}
    </span>
  );
}

const EVENT_LABEL: Partial<Record<Message['type'], string>> = {
  delivery: 'Delivery',
  revision: 'Revision requested',
};

export interface MessageProps {
  m: Message;
  own: boolean;
  /** Names of who read it, when the API says (admins); null otherwise. */
  readers: string[] | null;
  canEdit: boolean;
  canDelete: boolean;
  onChanged: (m: Partial<Message> & { id: string }) => void;
  onError: (m: string | null) => void;
}

export function MessageItem({ m, own, readers, canEdit, canDelete, onChanged, onError }: MessageProps) {
  const time = (
    <time dateTime={m.created_at} title={fullTime(m.created_at)}>
      {messageTime(m.created_at)}
    </time>
  );
  if (m.type === 'system' || m.type === 'status_change') {
    return (
      <li class="msg msg-system" data-testid="message" data-message-id={m.id} data-type={m.type}>
        <span>{m.deleted ? 'Message deleted' : m.type === 'status_change' ? statusLine(m) : m.message}</span> · {time}
        <MessageActions m={m} canEdit={false} canDelete={canDelete} onChanged={onChanged} onError={onError} />
      </li>
    );
  }
  const label = EVENT_LABEL[m.type];
  const cls = `msg ${own ? 'msg-own' : 'msg-other'}${label ? ' msg-event' : ''}${m.deleted ? ' msg-deleted' : ''}`;
  return (
    <li class={cls} data-testid="message" data-message-id={m.id} data-type={m.type}>
      <div class="msg-head">
        <span class="msg-sender">{own ? 'You' : m.sender_name}</span>
        {time}
        {m.channel !== 'web' && <span class="muted">via {m.channel === 'sms' ? 'text message' : 'email'}</span>}
      </div>
      <div class="bubble">
        {label && <strong class="event-label">{label}</strong>}
        {m.deleted ? (
          <em>Message deleted</em>
        ) : (
          <>
            {m.message && <p class="msg-text">{m.message}</p>}
            {m.attachments.length > 0 && (
              <ul class="attachments" aria-label="Files">
                {m.attachments.map((a) => (
                  <AttachmentLink key={a.id} a={a} onError={onError} />
                ))}
              </ul>
            )}
            {m.is_edited && <span class="muted edited"> (edited)</span>}
          </>
        )}
      </div>
      <div class="msg-foot">
        <MessageActions m={m} canEdit={canEdit} canDelete={canDelete} onChanged={onChanged} onError={onError} />
        {own && !m.deleted && <Receipt m={m} readers={readers} />}
      </div>
    </li>
  );
}
