import { useEffect, useState } from 'preact/hooks';
import { unmatched } from '../api/endpoints';
import { errorSentence } from '../api/client';
import type { UnmatchedText } from '../api/types';
import { ErrorAlert, Spinner, TableWrap } from '../components/common';
import { fullTime, messageTime } from '../lib/format';

const REASONS: Record<UnmatchedText['reason'], string> = {
  unknown_sender: 'Number not on file',
  messaging_disabled: 'Messaging was off',
  messaging_read_only: 'Messaging was read-only',
  conversation_closed: 'Conversation closed',
};

export function Unmatched() {
  const [rows, setRows] = useState<UnmatchedText[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const load = async (c: string | null) => {
    setLoading(true);
    try {
      const page = await unmatched(c);
      setRows((r) => (c ? r.concat(page.texts) : page.texts));
      setCursor(page.next_cursor);
      setError(null);
    } catch (e) {
      setError(errorSentence(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(null);
  }, []);
  return (
    <main id="main" class="page">
      <h1>Unmatched texts</h1>
      <p class="muted">Text messages that did not reach a conversation: from numbers no contact has, or refused at the time.</p>
      <ErrorAlert message={error} />
      <TableWrap label="Unmatched texts">
        <table>
          <thead>
            <tr><th scope="col">Received</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Text</th><th scope="col">Why</th></tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id}>
                <td><time dateTime={t.received_at} title={fullTime(t.received_at)}>{messageTime(t.received_at)}</time></td>
                <td>{t.from}{t.customer_id ? <span class="muted"> ({t.customer_id})</span> : null}</td>
                <td>{t.to}</td>
                <td class="wrap">{t.body}</td>
                <td>{REASONS[t.reason] ?? t.reason}</td>
              </tr>
            ))}
            {!loading && rows.length === 0 && !error && (
              <tr><td colSpan={5} class="muted">No unmatched texts.</td></tr>
            )}
          </tbody>
        </table>
      </TableWrap>
      {loading && <Spinner label="Loading texts…" />}
      {cursor && !loading && (
        <button type="button" class="btn btn-quiet" onClick={() => void load(cursor)}>Load more texts</button>
      )}
    </main>
  );
}
