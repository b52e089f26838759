// Whether the person may write in a thread. Customers and staff cannot read the settings,
// so the mode is learnt from the API's own refusals (openapi: messaging_read_only,
// messaging_disabled, observe_only, conversation_closed, forbidden).
import { getSettings, writeCheck, type Target } from '../api/endpoints';
import { isApiError } from '../api/client';
import type { Session } from '../auth/session';
import { DEFAULT_MAX_MB } from './files';

export type Blocked = 'disabled' | 'read_only' | 'closed' | 'observe' | 'forbidden' | null;

export interface Access {
  blocked: Blocked;
  maxMb: number;
}

const BY_CODE: Record<string, Blocked> = {
  messaging_disabled: 'disabled',
  messaging_read_only: 'read_only',
  conversation_closed: 'closed',
  observe_only: 'observe',
  forbidden: 'forbidden',
};

export const blockedByCode = (code: string | undefined): Blocked => (code ? (BY_CODE[code] ?? null) : null);

// The mode is the tenant's and changes rarely (it takes effect within a minute), so one answer serves a minute.
const FRESH_MS = 60_000;
let cached: { at: number; access: Access } | null = null;

export function forgetAccess(): void {
  cached = null;
}

export async function modeAccess(session: Session, target: Target): Promise<Access> {
  if (cached && Date.now() - cached.at < FRESH_MS) return cached.access;
  if (session.role === 'admin') {
    try {
      const s = await getSettings();
      const blocked: Blocked = s.mode === 'disabled' ? 'disabled' : s.mode === 'read_only' ? 'read_only' : null;
      cached = { at: Date.now(), access: { blocked, maxMb: s.max_attachment_mb ?? DEFAULT_MAX_MB } };
      return cached.access;
    } catch (e) {
      if (isApiError(e, 'messaging_disabled')) return { blocked: 'disabled', maxMb: DEFAULT_MAX_MB };
      // Fall through to asking the thread itself.
    }
  }
  const blocked = blockedByCode((await writeCheck(target)) ?? undefined);
  const access = { blocked, maxMb: DEFAULT_MAX_MB };
  // Only the tenant-wide answers are worth keeping; closed and observe-only belong to one thread.
  if (blocked === null || blocked === 'read_only' || blocked === 'disabled') cached = { at: Date.now(), access };
  return access;
}

/** The plain notice shown instead of the composer. */
export const NOTICES: Record<Exclude<Blocked, null>, string> = {
  disabled: 'Messaging is turned off for this business.',
  read_only: 'Messaging is read-only for now: you can read these messages but not send new ones.',
  closed: 'This conversation is closed. You can still read it, but it takes no more messages.',
  observe: 'You are observing this conversation: admins can read it but not write in it.',
  forbidden: 'You can read this conversation but not write in it.',
};
