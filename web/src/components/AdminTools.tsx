import { useEffect, useState } from 'preact/hooks';
import {
  addParticipant, closeConversation, deliveries, exportPath, removeParticipant,
} from '../api/endpoints';
import { errorSentence } from '../api/client';
import type { Conversation, Delivery, OrderConversation } from '../api/types';
import { downloadFile } from '../lib/download';
import { humanize, messageTime } from '../lib/format';
import { useStaffDirectory } from '../lib/names';
import { ErrorAlert, TableWrap } from './common';

interface ToolsProps {
  conversation: Conversation;
  onClosed: () => void;
}

/** Close and export: above the thread, for admins and the host application. */
export function ThreadActions({ conversation, onClosed }: ToolsProps) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (what: string, f: () => Promise<unknown>) => {
    setBusy(what);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(errorSentence(e));
    } finally {
      setBusy(null);
    }
  };
  const base = conversation.kind === 'order' && conversation.order_id ? `order-${conversation.order_id}` : conversation.id;
  const close = () => {
    if (!confirm('Close this conversation? Nobody can write in it afterwards, and it cannot be reopened.')) return;
    void run('close', async () => {
      await closeConversation(conversation.id);
      onClosed();
    });
  };
  return (
    <div class="actions">
      <div class="actions-row">
        {conversation.status === 'open' && (
          <button type="button" class="btn btn-danger" onClick={close} disabled={busy === 'close'}>
            Close conversation
          </button>
        )}
        <button type="button" class="btn" disabled={busy === 'csv'}
          onClick={() => run('csv', () => downloadFile(exportPath(conversation.id, 'csv'), `${base}.csv`))}>
          Export CSV
        </button>
        <button type="button" class="btn" disabled={busy === 'pdf'}
          onClick={() => run('pdf', () => downloadFile(exportPath(conversation.id, 'pdf'), `${base}.pdf`))}>
          Export PDF
        </button>
      </div>
      <ErrorAlert message={error} />
    </div>
  );
}

export function Participants({ order, onChange }: { order: OrderConversation; onChange: (o: OrderConversation) => void }) {
  const dir = useStaffDirectory(true);
  const [pick, setPick] = useState('');
  const [error, setError] = useState<string | null>(null);
  const name = (id: string) => dir.get(id)?.name ?? id;
  const others = [...dir.values()].filter((s) => !order.participants.includes(s.user_id));
  const add = async (e: Event) => {
    e.preventDefault();
    if (!pick) return;
    setError(null);
    try {
      onChange(await addParticipant(order.id, pick));
      setPick('');
    } catch (err) {
      setError(errorSentence(err));
    }
  };
  const remove = async (id: string) => {
    setError(null);
    try {
      await removeParticipant(order.id, id);
      onChange({ ...order, participants: order.participants.filter((p) => p !== id) });
    } catch (err) {
      setError(errorSentence(err));
    }
  };
  return (
    <section class="panel" aria-labelledby="participants-h">
      <h3 id="participants-h">Participants</h3>
      <ul class="people">
        {order.participants.length === 0 && <li class="muted">Nobody on the staff side yet.</li>}
        {order.participants.map((id) => (
          <li key={id}>
            <span>{name(id)}</span>
            {order.status === 'open' && (
              <button type="button" class="btn btn-quiet btn-small" onClick={() => remove(id)} aria-label={`Remove ${name(id)}`}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {order.status === 'open' && (
        <form class="inline-form" onSubmit={add}>
          <label for="add-participant">Add a staff member</label>
          <select id="add-participant" value={pick} onChange={(e) => setPick((e.target as HTMLSelectElement).value)}>
            <option value="">Choose…</option>
            {others.map((s) => (
              <option key={s.user_id} value={s.user_id}>{s.name}</option>
            ))}
          </select>
          <button type="submit" class="btn btn-small" disabled={!pick}>Add</button>
        </form>
      )}
      <ErrorAlert message={error} />
    </section>
  );
}

const DELIVERY_STATUS: Record<string, string> = {
  claimed: 'Sending',
  sent: 'Sent',
  retry: 'Failed, will retry',
  failed: 'Failed',
  cancelled: 'Not needed (read in time)',
  quota_exceeded: 'Not sent: daily limit reached',
  country_not_allowed: 'Not sent: country not allowed',
};

export function Deliveries({ conversationId, version }: { conversationId: string; version: number }) {
  const [rows, setRows] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    deliveries(conversationId, null)
      .then((p) => live && setRows(p.deliveries))
      .catch((e) => live && setError(errorSentence(e)));
    return () => {
      live = false;
    };
  }, [conversationId, version]);
  return (
    <section class="panel" aria-labelledby="deliveries-h">
      <h3 id="deliveries-h">Deliveries</h3>
      <ErrorAlert message={error} />
      <TableWrap label="Delivery records">
        <table>
          <caption class="sr-only">Email and text notifications for this conversation</caption>
          <thead>
            <tr><th scope="col">When</th><th scope="col">To</th><th scope="col">By</th><th scope="col">Status</th></tr>
          </thead>
          <tbody>
            {rows && rows.length === 0 && (
              <tr><td colSpan={4} class="muted">No notifications yet.</td></tr>
            )}
            {rows?.map((d) => (
              <tr key={`${d.round}-${d.channel}-${d.recipient}`}>
                <td><time dateTime={d.round}>{messageTime(d.round)}</time></td>
                <td class="wrap">{d.address || d.recipient}</td>
                <td>{d.channel === 'sms' ? 'Text' : 'Email'}</td>
                <td>
                  {DELIVERY_STATUS[d.status] ?? humanize(d.status)}
                  {d.attempts > 1 ? ` (${d.attempts} tries)` : ''}
                  {d.error ? <span class="muted"> — {d.error}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}
