// Whether the person may write in a thread. Every thread page carries the business's mode
// (full or read_only; a disabled business refuses the read itself with messaging_disabled),
// the conversation header says closed, an order says whether admins may write, and a send
// refused for any of these reasons (openapi: messaging_read_only, messaging_disabled,
// observe_only, conversation_closed, forbidden) turns the composer into the same notice.

export type Blocked = 'disabled' | 'read_only' | 'closed' | 'observe' | 'forbidden' | null;

const BY_CODE: Record<string, Blocked> = {
  messaging_disabled: 'disabled',
  messaging_read_only: 'read_only',
  conversation_closed: 'closed',
  observe_only: 'observe',
  forbidden: 'forbidden',
};

export const blockedByCode = (code: string | undefined): Blocked => (code ? (BY_CODE[code] ?? null) : null);


/** The plain notice shown instead of the composer. */
export const NOTICES: Record<Exclude<Blocked, null>, string> = {
  disabled: 'Messaging is turned off for this business.',
  read_only: 'Messaging is read-only for now: you can read these messages but not send new ones.',
  closed: 'This conversation is closed. You can still read it, but it takes no more messages.',
  observe: 'You are observing this conversation: admins can read it but not write in it.',
  forbidden: 'You can read this conversation but not write in it.',
};
