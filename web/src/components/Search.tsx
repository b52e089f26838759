import { useEffect, useRef, useState } from 'preact/hooks';
import { searchCustomers } from '../api/endpoints';
import { errorSentence } from '../api/client';
import type { CustomerSearchPage } from '../api/types';
import { ErrorAlert } from './common';

export interface Picked {
  customerId: string;
  label: string;
}

function labelOf(r: CustomerSearchPage['customers'][number]): string {
  const people = r.contacts.map((c) => c.name);
  const pets = r.patients.map((p) => p.name);
  return [...people, ...pets].join(', ') || r.customer_id;
}

/** Finds a family by a person's or a pet's name (also email or phone), to show only their threads. */
export function Search({ onPick }: { onPick: (p: Picked) => void }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<CustomerSearchPage['customers'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ctrl = useRef<AbortController | null>(null);

  useEffect(() => {
    const query = q.trim();
    ctrl.current?.abort();
    setError(null);
    if (query.replace(/[^\p{L}\p{N}]/gu, '').length < 2) {
      setResults(null);
      return undefined;
    }
    const c = new AbortController();
    ctrl.current = c;
    // Wait for a pause in typing: one request per word, not per key.
    const t = setTimeout(() => {
      searchCustomers(query, c.signal)
        .then((r) => !c.signal.aborted && setResults(r.customers))
        .catch((e) => !c.signal.aborted && setError(errorSentence(e)));
    }, 250);
    return () => clearTimeout(t);
  }, [q]);

  const pick = (r: CustomerSearchPage['customers'][number]) => {
    onPick({ customerId: r.customer_id, label: labelOf(r) });
    setQ('');
    setResults(null);
    // The chosen button goes away: continue from the family's threads.
    requestAnimationFrame(() => (document.querySelector('.family .pill, .family button') as HTMLElement | null)?.focus());
  };

  return (
    <div class="search" role="search">
      <label for="inbox-search" class="sr-only">Search people and pets</label>
      <input
        id="inbox-search"
        type="search"
        placeholder="Search people and pets"
        value={q}
        autocomplete="off"
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setQ('');
        }}
        aria-describedby="search-status"
      />
      <span id="search-status" class="sr-only" role="status">
        {results ? `${results.length} ${results.length === 1 ? 'family' : 'families'} found` : ''}
      </span>
      <ErrorAlert message={error} />
      {results && (
        <ul class="search-results" aria-label="Search results">
          {results.length === 0 && <li class="muted">Nobody found.</li>}
          {results.map((r) => (
            <li key={r.customer_id}>
              <button type="button" class="result" onClick={() => pick(r)}>
                <span class="result-name">{labelOf(r)}</span>
                <span class="muted">
                  {r.contacts.length ? `${r.contacts.length} contact${r.contacts.length > 1 ? 's' : ''}` : ''}
                  {r.contacts.length && r.patients.length ? ' · ' : ''}
                  {r.patients.length ? `${r.patients.length} pet${r.patients.length > 1 ? 's' : ''}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
