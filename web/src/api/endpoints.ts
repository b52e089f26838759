import { api, get, send, ApiError } from './client';
import { sentenceFor } from './errors';
import type {
  ActivityPage, Badge, Contact, CustomerSearchPage, DeliveryPage, Message, OrderConversation,
  Patient, ReadState, Settings, Staff, ThreadPage, UnmatchedPage, UploadForm, Conversation,
} from './types';

/** Where a thread lives: a conversation by id, or a customer's general / patient thread (which may not exist yet). */
export type Target =
  | { conversationId: string }
  | { customerId: string; patientId?: string };

const enc = encodeURIComponent;

function targetFields(t: Target): Record<string, string> {
  if ('conversationId' in t) return { conversation_id: t.conversationId };
  return t.patientId ? { customer_id: t.customerId, patient_id: t.patientId } : { customer_id: t.customerId };
}

// Set when the API refuses `read_by` to this person (an older API, or a role it is not for):
// threads are then read without it rather than not at all.
let readByRefused = false;

export async function threadPage(t: Target, cursor: string | null, opts: { readBy?: boolean; limit?: number } = {}) {
  const query = { cursor, limit: opts.limit ?? 30 };
  if (!('conversationId' in t)) {
    return get<ThreadPage>(`/messages/customer/${enc(t.customerId)}`, { ...query, patient_id: t.patientId });
  }
  const path = `/conversations/${enc(t.conversationId)}/messages`;
  if (!opts.readBy || readByRefused) return get<ThreadPage>(path, query);
  try {
    return await get<ThreadPage>(path, { ...query, read_by: true });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403 && e.code === 'forbidden')) throw e;
    readByRefused = true;
    return get<ThreadPage>(path, query);
  }
}

export interface ActivityFilter {
  unread?: boolean;
  kind?: string;
  status?: string;
  customerId?: string;
}

export const activity = (f: ActivityFilter, cursor: string | null, signal?: AbortSignal) =>
  get<ActivityPage>(
    '/messages/activity',
    { unread: f.unread || undefined, kind: f.kind, status: f.status, customer_id: f.customerId, cursor, limit: 20 },
    signal,
  );

/** The badge, or null when the ETag says nothing changed. */
export async function unreadBadge(etag: string | null): Promise<{ badge: Badge; etag: string | null } | null> {
  const res = await send('GET', '/messages/unread', { headers: etag ? { 'If-None-Match': etag } : {} });
  if (res.status === 304) return null;
  return { badge: (await res.json()) as Badge, etag: res.headers.get('ETag') };
}

export const markRead = (t: Target, upTo?: string) =>
  api<ReadState>('POST', '/messages/read', { body: { ...targetFields(t), up_to: upTo } });

export interface SendInput {
  message: string;
  attachments: string[];
  notify: string[];
}

export const sendMessage = (t: Target, m: SendInput, idempotencyKey: string) =>
  api<Message>('POST', '/messages', {
    headers: { 'Idempotency-Key': idempotencyKey },
    body: {
      ...targetFields(t),
      message: m.message || undefined,
      attachments: m.attachments.length ? m.attachments.map((id) => ({ id })) : undefined,
      notify: m.notify.length ? m.notify : undefined,
    },
  });

export const createUpload = (t: Target, file: { name: string; content_type: string; size: number }) =>
  api<UploadForm>('POST', '/attachments', { body: { ...targetFields(t), ...file } });

/** Posts the file to the presigned form (multipart, the fields before the file). */
export async function uploadFile(form: UploadForm, file: File): Promise<void> {
  const body = new FormData();
  for (const [k, v] of Object.entries(form.fields)) body.append(k, v);
  body.append('file', file);
  let res: Response;
  try {
    res = await fetch(form.url, { method: 'POST', body });
  } catch {
    throw new ApiError(0, undefined, `“${file.name}” could not be uploaded. Check your connection and try again.`);
  }
  if (!res.ok) throw new ApiError(res.status, undefined, `“${file.name}” could not be uploaded (${sentenceFor(undefined, res.status)})`);
}

/** A message as stored, without the viewer's read state (edits and deletions answer this). */
export type StoredMessage = Omit<Message, 'is_read' | 'read_at' | 'read_by_recipient' | 'read_by_recipient_at' | 'read_by'>;

export const editMessage = (conversationId: string, messageId: string, message: string) =>
  api<StoredMessage>('PATCH', `/conversations/${enc(conversationId)}/messages/${enc(messageId)}`, { body: { message } });
export const deleteMessage = (conversationId: string, messageId: string) =>
  api<StoredMessage>('DELETE', `/conversations/${enc(conversationId)}/messages/${enc(messageId)}`);

export const findOrder = (orderId: string) => get<OrderConversation>('/conversations', { order_id: orderId });
export const closeConversation = (id: string) =>
  api<Conversation | OrderConversation>('POST', `/conversations/${enc(id)}/close`, { body: {} });
export const addParticipant = (id: string, userId: string) =>
  api<OrderConversation>('PUT', `/conversations/${enc(id)}/participants/${enc(userId)}`);
export const removeParticipant = (id: string, userId: string) =>
  api<void>('DELETE', `/conversations/${enc(id)}/participants/${enc(userId)}`);
export const deliveries = (conversationId: string, cursor: string | null) =>
  get<DeliveryPage>('/notifications', { conversation_id: conversationId, cursor, limit: 20 });
export const unmatched = (cursor: string | null) => get<UnmatchedPage>('/sms/unmatched', { cursor, limit: 50 });
export const getSettings = () => get<Settings>('/settings/messaging');
export const putSettings = (s: Partial<Settings>) => api<Settings>('PUT', '/settings/messaging', { body: s });
export const listStaff = () => get<{ staff: Staff[] }>('/staff');
export const listContacts = (customerId: string) =>
  get<{ contacts: Contact[] }>(`/customers/${enc(customerId)}/contacts`);
export const listPatients = (customerId: string) =>
  get<{ patients: Patient[] }>(`/customers/${enc(customerId)}/patients`);
export const searchCustomers = (q: string, signal?: AbortSignal) =>
  get<CustomerSearchPage>('/customers', { q, limit: 10 }, signal);

export const exportPath = (id: string, format: 'csv' | 'pdf') => `/conversations/${enc(id)}/export?format=${format}`;
export const attachmentPath = (id: string) => `/attachments/${enc(id)}`;
