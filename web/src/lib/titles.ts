import type { Conversation } from '../api/types';

/** The title everyone sees for a conversation: the family's name for general, the pet's, or the order's. */
export function conversationTitle(
  c: Pick<Conversation, 'kind' | 'customer_id' | 'title' | 'patient_id' | 'order_id'>,
  customerName: string | null,
  patientName?: string | null,
): string {
  if (c.kind === 'order') return c.title || (c.order_id ? `Order ${c.order_id}` : 'Order');
  if (c.kind === 'patient') return patientName || c.title || `Patient ${c.patient_id ?? ''}`.trim();
  return `${customerName || c.customer_id} — General`;
}

export const kindLabel: Record<Conversation['kind'], string> = {
  general: 'General',
  patient: 'Pet',
  order: 'Order',
};
