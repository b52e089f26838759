// Whether the person may write in a thread. Every thread page carries the business's mode
// (full or read_only; a disabled business refuses the read itself with messaging_disabled),
// the conversation header says closed, an order says whether admins may write, and a send
// refused for any of these reasons (openapi: messaging_read_only, messaging_disabled,
// observe_only, conversation_closed, forbidden) turns the composer into the same notice.
import { getSettings } from '../api/endpoints';
import type { Session } from '../auth/session';
import { DEFAULT_MAX_MB } from './files';

export type Blocked = 'disabled' | 'read_only' | 'closed' | 'observe' | 'forbidden' | null;

const BY_CODE: Record<string, Blocked> = {
  messaging_disabled: 'disabled',
  messaging_read_only: 'read_only',
  conversation_closed: 'closed',
  observe_only: 'observe',
  forbidden: 'forbidden',
};

export const blockedByCode = (code: string | undefined): Blocked => (code ? (BY_CODE[code] ?? null) : null);

// Settings change rarely (a change takes effect within a minute), so one answer serves a minute.
const FRESH_MS = 60_000;
let cached: { at: number; maxMb: number } | null = null;

export function forgetAccess(): void {
  cached = null;
}

/** The largest file a person may attach: the tenant's setting where this person can read it, else the API's default. */
export async function maxAttachmentMb(session: Session): Promise<number> {
  if (session.role !== 'admin') return DEFAULT_MAX_MB;
  if (cached && Date.now() - cached.at < FRESH_MS) return cached.maxMb;
  try {
    const s = await getSettings();
    cached = { at: Date.now(), maxMb: s.max_attachment_mb ?? DEFAULT_MAX_MB };
    return cached.maxMb;
  } catch {
    return DEFAULT_MAX_MB;
  }
}

/** The plain notice shown instead of the composer. */
export const NOTICES: Record<Exclude<Blocked, null>, string> = {
  disabled: 'Messaging is turned off for this business.',
  read_only: 'Messaging is read-only for now: you can read these messages but not send new ones.',
  closed: 'This conversation is closed. You can still read it, but it takes no more messages.',
  observe: 'You are observing this conversation: admins can read it but not write in it.',
  forbidden: 'You can read this conversation but not write in it.',
};
