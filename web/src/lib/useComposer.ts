import { useRef, useState } from 'preact/hooks';
import { createUpload, sendMessage, uploadFile, type Target } from '../api/endpoints';
import { errorSentence, isApiError } from '../api/client';
import type { Message } from '../api/types';
import { checkFile, type FileLimits } from './files';

export interface Pending {
  file: File;
  type: string;
  /** Set once uploaded, so sending again after a failure does not upload it again. */
  uploadId?: string;
}

// Unsent text per thread, so moving between threads keeps what was being written.
const drafts = new Map<string, string>();
export const forgetDrafts = () => drafts.clear();

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);

// Refusals after which the uploads cannot be used again: they are uploaded anew on the next try.
const STALE_UPLOADS = ['attachment_unknown', 'attachment_missing', 'attachment_already_used', 'attachment_changed', 'attachment_size_mismatch'];

async function uploadAll(target: Target, files: Pending[], status: (s: string) => void): Promise<string[]> {
  const ids: string[] = [];
  for (const p of files) {
    if (!p.uploadId) {
      status(`Uploading ${p.file.name}…`);
      const form = await createUpload(target, { name: p.file.name, content_type: p.type, size: p.file.size });
      await uploadFile(form, p.file);
      p.uploadId = form.upload_id;
    }
    ids.push(p.uploadId);
  }
  return ids;
}

export function checkFiles(list: File[], have: Pending[], limits: FileLimits): { files: Pending[]; problems: string[] } {
  const problems: string[] = [];
  const files = [...have];
  for (const file of list) {
    const r = checkFile(file, limits.maxMb);
    if ('problem' in r) problems.push(r.problem);
    else if (files.length >= limits.maxFiles) problems.push(`One message can carry ${limits.maxFiles} files at most.`);
    else files.push({ file, type: r.type });
  }
  return { files, problems };
}

interface Options {
  target: Target;
  staffSide: boolean;
  onSent: (m: Message) => void;
  onRefused: (code: string | undefined) => boolean;
}

/** The message being written: text, files, notification choices, and sending it once. */
export function useComposer({ target, staffSide, onSent, onRefused }: Options) {
  const draftKey = JSON.stringify(target);
  const [text, setTextState] = useState(() => drafts.get(draftKey) ?? '');
  const [files, setFilesState] = useState<Pending[]>([]);
  const [notify, setNotify] = useState({ email: false, sms: false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  // One key per composed message, reused when the same message is sent again after a failure.
  const idemKey = useRef<string | null>(null);

  const changed = () => {
    idemKey.current = null;
    setError(null);
    setStatus('');
  };
  const setText = (v: string) => {
    setTextState(v);
    if (v) drafts.set(draftKey, v);
    else drafts.delete(draftKey);
    changed();
  };
  const setFiles = (f: Pending[], problems: string[] = []) => {
    setFilesState(f);
    changed();
    if (problems.length) setError(problems.join(' '));
  };

  async function send(): Promise<void> {
    const message = text.trim();
    if (busy) return;
    if (!message && files.length === 0) return setError('Write a message or attach a file before sending.');
    setBusy(true);
    setError(null);
    try {
      const attachments = await uploadAll(target, files, setStatus);
      idemKey.current ??= newKey();
      const channels = staffSide ? (['email', 'sms'] as const).filter((c) => notify[c]) : [];
      setStatus('Sending…');
      const sent = await sendMessage(target, { message, attachments, notify: [...channels] }, idemKey.current);
      setText('');
      setFilesState([]);
      setNotify({ email: false, sms: false });
      idemKey.current = null;
      // The log announces the message itself; a second announcement would only repeat it.
      setStatus('');
      onSent(sent);
    } catch (err) {
      setStatus('');
      if (isApiError(err, ...STALE_UPLOADS)) {
        files.forEach((p) => (p.uploadId = undefined));
        idemKey.current = null;
      }
      if (!(isApiError(err) && onRefused(err.code))) setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  }

  return { text, setText, files, setFiles, notify, setNotify, busy, error, setError, status, send };
}
