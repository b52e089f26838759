import { useRef } from 'preact/hooks';
import type { Target } from '../api/endpoints';
import type { Message } from '../api/types';
import { ACCEPT, type FileLimits } from '../lib/files';
import { fileSize } from '../lib/format';
import { checkFiles, useComposer, type Pending } from '../lib/useComposer';
import { ErrorAlert } from './common';

interface Props {
  target: Target;
  staffSide: boolean;
  limits: FileLimits;
  onSent: (m: Message) => void;
  /** The API refused because of the thread's state (closed, read-only...): the thread shows it instead. */
  onRefused: (code: string | undefined) => boolean;
}

export function Composer({ target, staffSide, limits, onSent, onRefused }: Props) {
  const c = useComposer({ target, staffSide, onSent, onRefused });
  const area = useRef<HTMLTextAreaElement>(null);
  const submit = async (e?: Event) => {
    e?.preventDefault();
    await c.send();
    // Whatever happened, the writer stays where they type.
    area.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    }
  };
  const add = (list: File[]) => {
    if (list.length === 0) return false;
    const r = checkFiles(list, c.files, limits);
    c.setFiles(r.files, r.problems);
    return true;
  };
  // Pasted screenshots and files dropped on the box are attached like chosen ones.
  const onPaste = (e: ClipboardEvent) => {
    if (add(Array.from(e.clipboardData?.files ?? []))) e.preventDefault();
  };
  const onDrop = (e: DragEvent) => {
    if (add(Array.from(e.dataTransfer?.files ?? []))) e.preventDefault();
  };
  const remove = (i: number) => {
    c.setFiles(c.files.filter((_, j) => j !== i));
    area.current?.focus();
  };
  return (
    <form class="composer" aria-label="Reply" onSubmit={submit} onDrop={onDrop} onDragOver={(e) => e.preventDefault()}>
      <ErrorAlert message={c.error} />
      <FileChips files={c.files} onRemove={remove} />
      <label class="sr-only" for="composer-text">
        Message
      </label>
      <textarea
        id="composer-text"
        ref={area}
        rows={3}
        value={c.text}
        maxLength={4000}
        placeholder="Write a message… (Enter sends, Shift+Enter starts a new line)"
        onInput={(e) => c.setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={onKeyDown}
        onPaste={onPaste}
        aria-describedby="composer-status"
      />
      <div class="composer-bar">
        <span class="attach">
          <input id="composer-files" class="file-input" type="file" multiple accept={ACCEPT}
            onChange={(e) => {
              const input = e.target as HTMLInputElement;
              add(Array.from(input.files ?? []));
              input.value = '';
            }} />
          <label for="composer-files" class="btn btn-quiet">Attach files</label>
        </span>
        {staffSide && <NotifyChoices notify={c.notify} onChange={c.setNotify} />}
        <span id="composer-status" class="muted composer-status" role="status">
          {c.status}
        </span>
        <button type="submit" class="btn btn-primary" disabled={c.busy}>
          Send
        </button>
      </div>
    </form>
  );
}

function FileChips({ files, onRemove }: { files: Pending[]; onRemove: (i: number) => void }) {
  if (files.length === 0) return null;
  return (
    <ul class="pending" aria-label="Files to send">
      {files.map((p, i) => (
        <li key={p.file.name + i} class="chip">
          <span>{p.file.name}</span> <span class="muted">{fileSize(p.file.size)}</span>
          <button type="button" class="chip-x" aria-label={`Remove ${p.file.name}`} onClick={() => onRemove(i)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

type Channels = { email: boolean; sms: boolean };

/** Staff may also notify the family at once, by email and by text. */
function NotifyChoices({ notify, onChange }: { notify: Channels; onChange: (n: Channels) => void }) {
  return (
    <>
      <label class="check">
        <input type="checkbox" checked={notify.email}
          onChange={(e) => onChange({ ...notify, email: (e.target as HTMLInputElement).checked })} /> Also email
      </label>
      <label class="check">
        <input type="checkbox" checked={notify.sms}
          onChange={(e) => onChange({ ...notify, sms: (e.target as HTMLInputElement).checked })} /> Also text (SMS)
      </label>
    </>
  );
}
