import { useRef, useState } from 'preact/hooks';
import { createUpload, sendMessage, uploadFile, type Target } from '../api/endpoints';
import { errorSentence, isApiError } from '../api/client';
import type { Message } from '../api/types';
import { ACCEPT, DEFAULT_MAX_FILES, checkFile } from '../lib/files';
import { fileSize } from '../lib/format';
import { ErrorAlert } from './common';

interface Pending {
  file: File;
  type: string;
  /** Set once uploaded, so a retry does not upload it again. */
  uploadId?: string;
}

interface Props {
  target: Target;
  staffSide: boolean;
  maxMb: number;
  onSent: (m: Message) => void;
  /** The API refused because of the thread's state (closed, read-only...): the thread shows it. */
  onRefused: (code: string | undefined) => boolean;
}

// Unsent text per thread, so moving between threads keeps what was being written.
const drafts = new Map<string, string>();

export const forgetDrafts = () => drafts.clear();

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);

export function Composer({ target, staffSide, maxMb, onSent, onRefused }: Props) {
  const draftKey = JSON.stringify(target);
  const [text, setTextState] = useState(() => drafts.get(draftKey) ?? '');
  const setText = (v: string) => {
    setTextState(v);
    if (v) drafts.set(draftKey, v);
    else drafts.delete(draftKey);
  };
  const [files, setFiles] = useState<Pending[]>([]);
  const [email, setEmail] = useState(false);
  const [sms, setSms] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);
  // One key per composed message, reused when the same message is sent again after a failure.
  const idemKey = useRef<string | null>(null);

  const changed = () => {
    idemKey.current = null;
    setError(null);
  };

  const addFiles = (list: FileList | null) => {
    if (!list) return;
    const problems: string[] = [];
    const next = [...files];
    for (const file of Array.from(list)) {
      const r = checkFile(file, maxMb);
      if ('problem' in r) problems.push(r.problem);
      else if (next.length >= DEFAULT_MAX_FILES) problems.push(`One message can carry ${DEFAULT_MAX_FILES} files at most.`);
      else next.push({ file, type: r.type });
    }
    setFiles(next);
    changed();
    if (problems.length) setError(problems.join(' '));
  };

  const removeFile = (i: number) => {
    setFiles(files.filter((_, j) => j !== i));
    changed();
    area.current?.focus();
  };

  async function uploadAll(): Promise<string[]> {
    const ids: string[] = [];
    for (const p of files) {
      if (!p.uploadId) {
        setStatus(`Uploading ${p.file.name}…`);
        const form = await createUpload(target, { name: p.file.name, content_type: p.type, size: p.file.size });
        await uploadFile(form, p.file);
        p.uploadId = form.upload_id;
      }
      ids.push(p.uploadId);
    }
    return ids;
  }

  async function submit(e?: Event) {
    e?.preventDefault();
    if (busy) return;
    const message = text.trim();
    if (!message && files.length === 0) {
      setError('Write a message or attach a file before sending.');
      area.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const attachments = await uploadAll();
      idemKey.current ??= newKey();
      const notify = staffSide ? [...(email ? ['email'] : []), ...(sms ? ['sms'] : [])] : [];
      setStatus('Sending…');
      const sent = await sendMessage(target, { message, attachments, notify }, idemKey.current);
      setText('');
      setFiles([]);
      setEmail(false);
      setSms(false);
      idemKey.current = null;
      setStatus('Message sent.');
      onSent(sent);
    } catch (err) {
      setStatus('');
      if (isApiError(err, 'attachment_unknown', 'attachment_missing', 'attachment_already_used', 'attachment_changed', 'attachment_size_mismatch')) {
        // The uploads can no longer be used: upload them again next time.
        files.forEach((p) => (p.uploadId = undefined));
        idemKey.current = null;
      }
      if (!(isApiError(err) && onRefused(err.code))) setError(errorSentence(err));
    } finally {
      setBusy(false);
      area.current?.focus();
    }
  }

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form class="composer" aria-label="Reply" onSubmit={submit}>
      <ErrorAlert message={error} />
      {files.length > 0 && (
        <ul class="pending" aria-label="Files to send">
          {files.map((p, i) => (
            <li key={p.file.name + i} class="chip">
              <span>{p.file.name}</span> <span class="muted">{fileSize(p.file.size)}</span>
              <button type="button" class="chip-x" aria-label={`Remove ${p.file.name}`} onClick={() => removeFile(i)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <label class="sr-only" for="composer-text">
        Message
      </label>
      <textarea
        id="composer-text"
        ref={area}
        rows={3}
        value={text}
        maxLength={4000}
        placeholder="Write a message… (Enter sends, Shift+Enter starts a new line)"
        onInput={(e) => {
          setText((e.target as HTMLTextAreaElement).value);
          changed();
        }}
        onKeyDown={onKeyDown}
        aria-describedby="composer-status"
      />
      <div class="composer-bar">
        <span class="attach">
          <input id="composer-files" class="file-input" type="file" multiple accept={ACCEPT}
            onChange={(e) => {
              addFiles((e.target as HTMLInputElement).files);
              (e.target as HTMLInputElement).value = '';
            }} />
          <label for="composer-files" class="btn btn-quiet">Attach files</label>
        </span>
        {staffSide && (
          <>
            <label class="check">
              <input type="checkbox" checked={email} onChange={(e) => setEmail((e.target as HTMLInputElement).checked)} /> Also email
            </label>
            <label class="check">
              <input type="checkbox" checked={sms} onChange={(e) => setSms((e.target as HTMLInputElement).checked)} /> Also text (SMS)
            </label>
          </>
        )}
        <span id="composer-status" class="muted composer-status" role="status">
          {status}
        </span>
        <button type="submit" class="btn btn-primary" disabled={busy} aria-disabled={busy}>
          Send
        </button>
      </div>
    </form>
  );
}
