import { useEffect, useState } from 'preact/hooks';
import type { Target } from '../api/endpoints';
import type { Conversation, Patient } from '../api/types';
import type { Session } from '../auth/session';
import { ConversationRow, NewThreadRow } from '../components/ConversationRow';
import { Thread } from '../components/Thread';
import { ErrorAlert, Notice, Spinner } from '../components/common';
import { NOTICES } from '../lib/access';
import { patientsOf } from '../lib/names';
import { href } from '../lib/router';
import { useActivity, useUnreadOf } from '../lib/useActivity';
import { InfiniteEnd, focusAfterRoute, useNarrowEscape, usePendingFocus } from './layout';

function targetOf(route: string[], own: string): Target | null {
  if (route[0] === 'c' && route[1]) return { conversationId: route[1] };
  if (route[0] === 'portal' && route[1] === 'general') return { customerId: own };
  if (route[0] === 'portal' && route[1] === 'pet' && route[2]) return { customerId: own, patientId: route[2] };
  return null;
}

/** The family's view: their general thread, one per pet (started by the first message), and their orders. */
export function Portal({ session, route }: { session: Session; route: string[] }) {
  const own = session.customerId ?? '';
  const { state, more } = useActivity({});
  const unreadOf = useUnreadOf();
  const [pets, setPets] = useState<Patient[]>([]);
  useEffect(() => {
    if (own) void patientsOf(own).then(setPets);
  }, [own]);
  const target = targetOf(route, own);
  useNarrowEscape(target !== null, '#/portal');
  usePendingFocus(route.join('/'));
  const onListClick = (e: MouseEvent) => {
    if ((e.target as HTMLElement).closest('.rows a')) focusAfterRoute('#thread-title');
  };

  if (state.disabled) {
    return (
      <main id="main" class="page">
        <h1>Messages</h1>
        <Notice>{NOTICES.disabled}</Notice>
      </main>
    );
  }
  const rows = state.rows;
  const general = rows.find((c) => c.kind === 'general');
  const petRow = (p: Patient) => rows.find((c) => c.kind === 'patient' && c.patient_id === p.patient_id);
  const here = route.join('/');
  const selectedConv = target && 'conversationId' in target ? target.conversationId : null;
  const isSel = (c: Conversation | undefined, path: string) => here === path || (!!c && c.id === selectedConv);
  // Pets no longer registered keep their threads: they are listed with the rest.
  const known = new Set(pets.map((p) => p.patient_id));
  const others = rows.filter((c) => c.kind === 'order' || (c.kind === 'patient' && !known.has(c.patient_id ?? '')));

  return (
    <main id="main" class={`split${target ? ' has-thread' : ''}`}>
      <h1 class="sr-only">Messages</h1>
      <div class="pane-list" onClick={onListClick}>
        <p class="pane-title" aria-hidden="true">
          Messages
        </p>
        <ErrorAlert message={state.error} />
        <ul role="list" aria-label="Conversations" class="rows">
          {general ? (
            <ConversationRow me={session.sub} c={general} unread={unreadOf(general)} href="#/portal/general" selected={isSel(general, 'portal/general')} />
          ) : (
            !state.loading && <NewThreadRow title="General" hint="Write to the team" href="#/portal/general" selected={here === 'portal/general'} />
          )}
          {pets.map((p) => {
            const c = petRow(p);
            const to = href('portal', 'pet', p.patient_id);
            const path = `portal/pet/${p.patient_id}`;
            return c ? (
              <ConversationRow me={session.sub} key={p.patient_id} c={c} unread={unreadOf(c)} href={to} selected={isSel(c, path)} title={p.name} />
            ) : (
              <NewThreadRow key={p.patient_id} title={p.name} hint={`Write about ${p.name}`} href={to} selected={here === path} />
            );
          })}
          {others.map((c) => (
            <ConversationRow me={session.sub} key={c.id} c={c} unread={unreadOf(c)} href={href('c', c.id)} selected={c.id === selectedConv} />
          ))}
        </ul>
        {state.loading && <Spinner label="Loading conversations…" />}
        <InfiniteEnd hasMore={!!state.cursor} loading={state.loading} onMore={() => void more()} label="Load more conversations" />
      </div>
      <div class="pane-thread">
        {target ? (
          <Thread key={JSON.stringify(target)} target={target} session={session} backHref="#/portal" />
        ) : (
          <p class="placeholder">Choose a conversation to read it here.</p>
        )}
      </div>
    </main>
  );
}
