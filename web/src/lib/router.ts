import { useEffect, useState } from 'preact/hooks';

/** The route is the hash (`#/inbox`, `#/c/<id>`), so static hosting needs no rewrites. */
export function currentRoute(): string[] {
  const h = location.hash.replace(/^#\/?/, '');
  return h.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const href = (...parts: string[]) => '#/' + parts.map(encodeURIComponent).join('/');

export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}
