import { useEffect, useRef, useState } from 'preact/hooks';
import { deleteMessage, editMessage } from '../api/endpoints';
import { errorSentence } from '../api/client';
import type { Message } from '../api/types';

interface Props {
  m: Message;
  canEdit: boolean;
  canDelete: boolean;
  onChanged: (m: Partial<Message> & { id: string }) => void;
  onError: (msg: string | null) => void;
}

/** Edit and delete for one message: the author within the edit window, admins delete any. */
export function MessageActions({ m, canEdit, canDelete, onChanged, onError }: Props) {
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  if (m.deleted || (!canEdit && !canDelete)) return null;
  const remove = async () => {
    if (!confirm('Delete this message? Everyone will see “Message deleted” in its place.')) return;
    setBusy(true);
    onError(null);
    try {
      onChanged(await deleteMessage(m.conversation_id, m.id));
    } catch (e) {
      onError(errorSentence(e));
    } finally {
      setBusy(false);
    }
  };
  if (editing) {
    const done = (changed: (Partial<Message> & { id: string }) | null) => {
      if (changed) onChanged(changed);
      setEditing(false);
      // Back to where the edit started, for keyboard users.
      requestAnimationFrame(() => document.getElementById(`edit-btn-${m.id}`)?.focus());
    };
    return <EditForm m={m} onDone={done} onError={onError} />;
  }
  return (
    <span class="msg-actions">
      {canEdit && (
        <button type="button" id={`edit-btn-${m.id}`} class="link-btn" onClick={() => setEditing(true)} aria-label="Edit message" disabled={busy}>
          Edit
        </button>
      )}
      {canDelete && (
        <button type="button" class="link-btn" onClick={remove} aria-label="Delete message" disabled={busy}>
          Delete
        </button>
      )}
    </span>
  );
}

interface EditProps {
  m: Message;
  onDone: (m: (Partial<Message> & { id: string }) | null) => void;
  onError: (msg: string | null) => void;
}

function EditForm({ m, onDone, onError }: EditProps) {
  const [text, setText] = useState(m.message);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => box.current?.focus(), []);
  const save = async (e: Event) => {
    e.preventDefault();
    if (text === m.message) return onDone(null);
    setBusy(true);
    onError(null);
    try {
      onDone(await editMessage(m.conversation_id, m.id, text));
    } catch (err) {
      onError(errorSentence(err));
      setBusy(false);
    }
  };
  const id = `edit-${m.id}`;
  return (
    <form class="edit-form" onSubmit={save} aria-label="Edit message">
      <label for={id} class="sr-only">Edited text</label>
      <textarea id={id} ref={box} rows={3} maxLength={4000} value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDone(null);
          }
        }} />
      <span class="edit-bar">
        <button type="button" class="btn btn-small btn-quiet" onClick={() => onDone(null)}>Cancel</button>
        <button type="submit" class="btn btn-small btn-primary" disabled={busy}>Save</button>
      </span>
    </form>
  );
}
