import { useEffect, useState } from 'preact/hooks';
import type { Target } from '../api/endpoints';
import type { Patient } from '../api/types';
import type { Session } from '../auth/session';
import { ConversationRow } from '../components/ConversationRow';
import { Search, type Picked } from '../components/Search';
import { Thread } from '../components/Thread';
import { ErrorAlert, Notice, Spinner } from '../components/common';
import { NOTICES } from '../lib/access';
import { customerName, patientsOf } from '../lib/names';
import { href } from '../lib/router';
import { useActivity, useUnreadOf } from '../lib/useActivity';
import { InfiniteEnd, focusAfterRoute, useNarrowEscape, usePendingFocus } from './layout';

interface Filters {
  unread: boolean;
  kind: string;
  status: string;
  customer: Picked | null;
}

const NO_FILTERS: Filters = { unread: false, kind: '', status: '', customer: null };
// Kept while the same person stays signed in, so leaving for settings and coming back keeps the same view.
let lastFilters: { owner: string; filters: Filters } = { owner: '', filters: NO_FILTERS };

function targetOf(route: string[]): Target | null {
  if (route[0] === 'c' && route[1]) return { conversationId: route[1] };
  if (route[0] === 'family' && route[1]) return route[2] ? { customerId: route[1], patientId: route[2] } : { customerId: route[1] };
  return null;
}

export function Inbox({ session, route }: { session: Session; route: string[] }) {
  const owner = `${session.tenant}|${session.sub}`;
  const [f, setF] = useState<Filters>(() => (lastFilters.owner === owner ? lastFilters.filters : NO_FILTERS));
  useEffect(() => {
    lastFilters = { owner, filters: f };
  }, [f, owner]);
  const { state, more } = useActivity({
    unread: f.unread, kind: f.kind || undefined, status: f.status || undefined, customerId: f.customer?.customerId,
  });
  const unreadOf = useUnreadOf();
  const target = targetOf(route);
  const selectedId = target && 'conversationId' in target ? target.conversationId : null;
  useNarrowEscape(target !== null);
  usePendingFocus(route.join('/'));
  // Choosing a row (mouse or keyboard) takes the reader to the thread's heading: on small screens the list is gone.
  const onListClick = (e: MouseEvent) => {
    if ((e.target as HTMLElement).closest('.rows a, .pills a')) focusAfterRoute('#thread-title');
  };

  if (state.disabled) {
    return (
      <main id="main" class="page">
        <h1 class="sr-only">Inbox</h1>
        <Notice>{NOTICES.disabled}</Notice>
      </main>
    );
  }
  const set = (patch: Partial<Filters>) => setF({ ...f, ...patch });
  return (
    <main id="main" class={`split${target ? ' has-thread' : ''}`}>
      <h1 class="sr-only">Inbox</h1>
      <div class="pane-list" onClick={onListClick}>
        <p class="pane-title" aria-hidden="true">
          Inbox
        </p>
        <Search onPick={(p) => set({ customer: p })} />
        {f.customer && <FamilyBar picked={f.customer} route={route} onClear={() => set({ customer: null })} />}
        <FilterBar f={f} set={set} />
        <ErrorAlert message={state.error} />
        <ul role="list" aria-label="Conversations" class="rows">
          {state.rows.map((c) => (
            <ConversationRow me={session.sub} key={c.id} c={c} unread={unreadOf(c)} href={href('c', c.id)} selected={c.id === selectedId} />
          ))}
        </ul>
        {state.loading && <Spinner label="Loading conversations…" />}
        {!state.loading && state.rows.length === 0 && !state.error && (
          <p class="empty">{f.unread || f.kind || f.status || f.customer ? 'No conversations match these filters.' : 'No conversations yet.'}</p>
        )}
        <InfiniteEnd hasMore={!!state.cursor} loading={state.loading} onMore={() => void more()} label="Load more conversations" />
      </div>
      <div class="pane-thread">
        {target ? (
          <Thread key={JSON.stringify(target)} target={target} session={session} backHref="#/inbox" />
        ) : (
          <p class="placeholder">Choose a conversation to read it here.</p>
        )}
      </div>
    </main>
  );
}

/** The picked family's threads, including those not started yet. */
function FamilyBar({ picked, route, onClear }: { picked: Picked; route: string[]; onClear: () => void }) {
  const [name, setName] = useState<string | null>(null);
  const [pets, setPets] = useState<Patient[]>([]);
  useEffect(() => {
    let live = true;
    void customerName(picked.customerId).then((n) => live && setName(n));
    void patientsOf(picked.customerId).then((p) => live && setPets(p));
    return () => {
      live = false;
    };
  }, [picked.customerId]);
  const here = route.join('/');
  const link = (label: string, to: string[]) => (
    <a class="pill" href={href(...to)} aria-current={here === to.join('/') ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <div class="family" role="group" aria-label="Family">
      <p>
        Showing <strong>{name ?? picked.label}</strong>{' '}
        <button type="button" class="btn btn-quiet btn-small" onClick={onClear}>
          Show everyone
        </button>
      </p>
      <p class="pills">
        <span class="muted">Write to:</span>
        {link('General', ['family', picked.customerId])}
        {pets.map((p) => link(p.name, ['family', picked.customerId, p.patient_id]))}
      </p>
    </div>
  );
}

function FilterBar({ f, set }: { f: Filters; set: (patch: Partial<Filters>) => void }) {
  return (
    <fieldset class="filters">
      <legend class="sr-only">Filters</legend>
      <label class="check">
        <input type="checkbox" checked={f.unread} onChange={(e) => set({ unread: (e.target as HTMLInputElement).checked })} /> Unread only
      </label>
      <label>
        Kind{' '}
        <select value={f.kind} onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value })}>
          <option value="">All</option>
          <option value="general">General</option>
          <option value="patient">Pet</option>
          <option value="order">Order</option>
        </select>
      </label>
      <label>
        Status{' '}
        <select value={f.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })}>
          <option value="">All</option>
          <option value="open">Open</option>
          <option value="closed">Closed</option>
        </select>
      </label>
    </fieldset>
  );
}
