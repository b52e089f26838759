// Shapes of the public API (openapi.yaml), only the fields the app reads.

export type Role = 'admin' | 'staff' | 'basic_staff' | 'customer' | 'service';
export type Kind = 'general' | 'patient' | 'order';
export type MessageType = 'text' | 'attachment' | 'delivery' | 'revision' | 'status_change' | 'system';

export interface LastMessage {
  id: string;
  created_at: string;
  excerpt: string | null;
  sender_type: 'staff' | 'customer' | 'system';
  sender_id?: string | null;
  sender_name: string;
  is_edited?: boolean;
  deleted?: boolean;
}

export interface Conversation {
  id: string;
  customer_id: string;
  subject: string;
  kind: Kind;
  patient_id?: string | null;
  order_id?: string | null;
  title?: string | null;
  status: 'open' | 'closed';
  created_at?: string;
  last_message?: LastMessage | null;
  message_count: number;
  unread_count: number;
  read_up_to?: string | null;
}

/** What the business allows anyone in a thread (the API still decides). */
export interface Limits {
  edit_window_minutes: number;
  max_attachment_mb: number;
  max_attachments: number;
}

export interface OrderConversation extends Conversation {
  participants: string[];
  admin_can_write: boolean;
}

export interface Attachment {
  id: string;
  name: string;
  content_type: string;
  size: number;
}

export interface Message {
  id: string;
  conversation_id: string;
  customer_id: string;
  patient_id?: string | null;
  sender_type: 'staff' | 'customer' | 'system';
  sender_id: string;
  sender_name: string;
  type: MessageType;
  message: string;
  attachments: Attachment[];
  metadata?: Record<string, unknown> | null;
  channel: 'web' | 'email' | 'sms';
  created_at: string;
  is_edited: boolean;
  edited_at?: string | null;
  deleted: boolean;
  is_read?: boolean;
  read_at?: string | null;
  read_by_recipient?: boolean;
  read_by_recipient_at?: string | null;
  read_by?: string[];
}

/** The business's messaging mode as every reader learns it (a disabled business refuses the read instead). */
export type ReadableMode = 'full' | 'read_only';

export interface ThreadPage {
  conversation: Conversation | null;
  messages: Message[];
  next_cursor: string | null;
  mode?: ReadableMode;
  limits?: Limits;
  /** With read_by: the name of each person read_by names. */
  readers?: Record<string, string> | null;
}

export interface ActivityPage {
  conversations: Conversation[];
  next_cursor: string | null;
  mode?: ReadableMode;
}

export interface Badge {
  total_unread: number;
  capped: boolean;
  conversations: { conversation_id: string; customer_id: string; unread_count: number }[];
}

export interface ReadState {
  conversation_id: string;
  read_up_to?: string | null;
  unread_count: number;
}

export interface UploadForm {
  upload_id: string;
  url: string;
  fields: Record<string, string>;
  expires_at: string;
}

export interface QuietHours {
  start: string;
  end: string;
}

export interface Settings {
  mode?: 'disabled' | 'read_only' | 'full';
  notify_delay_minutes?: number;
  quiet_hours?: QuietHours | null;
  sms_escalation_minutes?: number | null;
  max_attachment_mb?: number;
  max_attachments?: number;
  timezone?: string;
  updated_at?: string | null;
  updated_by?: string | null;
}

export interface Staff {
  user_id: string;
  name: string;
  role: 'admin' | 'staff' | 'basic_staff';
}

export interface Contact {
  customer_id: string;
  contact_id: string;
  name: string;
}

export interface Patient {
  customer_id: string;
  patient_id: string;
  name: string;
}

export interface SearchPerson {
  id: string;
  name: string;
  matched: { field: 'name' | 'email' | 'phone'; value: string }[];
}

export interface CustomerSearchPage {
  customers: { customer_id: string; contacts: SearchPerson[]; patients: SearchPerson[] }[];
  next_cursor: string | null;
}

export interface Delivery {
  conversation_id: string;
  round: string;
  channel: 'email' | 'sms';
  recipient: string;
  address: string;
  status: string;
  attempts: number;
  provider_message_id?: string | null;
  error?: string | null;
  updated_at?: string;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  next_cursor: string | null;
}

export interface UnmatchedText {
  id: string;
  received_at: string;
  from: string;
  to: string;
  body: string;
  provider: string;
  reason: 'unknown_sender' | 'messaging_disabled' | 'messaging_read_only' | 'conversation_closed';
  customer_id?: string | null;
  contact_id?: string | null;
}

export interface UnmatchedPage {
  texts: UnmatchedText[];
  next_cursor: string | null;
}
