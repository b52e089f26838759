const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

export function clock(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** HH:MM today, the date otherwise (in the viewer's locale). */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const now = new Date();
  if (sameDay(d, now)) return clock(iso);
  return d.toLocaleDateString([], {
    day: 'numeric',
    month: 'short',
    year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric',
  });
}

/** For a message: HH:MM today, date and time otherwise. */
export function messageTime(iso: string): string {
  const d = new Date(iso);
  if (sameDay(d, new Date())) return clock(iso);
  return `${shortTime(iso)}, ${clock(iso)}`;
}

export const fullTime = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString([], { dateStyle: 'full', timeStyle: 'short' }) : '';

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `in_progress` → `in progress`, for statuses the host application names. */
export const humanize = (s: unknown) => String(s ?? '').replace(/[_-]+/g, ' ').trim();

export const badgeText = (n: number, capped: boolean) => (capped || n > 999 ? '999+' : String(n));

const dayKey = (d: Date) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;

/** Whether two instants fall on different days for the viewer. */
export const newDay = (a: string | undefined, b: string) => !a || dayKey(new Date(a)) !== dayKey(new Date(b));

/** "Today", "Yesterday", or the date, as a divider between days of a thread. */
export function dayLabel(iso: string): string {
  const d = new Date(iso);
  const now = new Date();
  if (sameDay(d, now)) return 'Today';
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (sameDay(d, y)) return 'Yesterday';
  return d.toLocaleDateString([], {
    weekday: 'long', day: 'numeric', month: 'long',
    year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric',
  });
}
