import type { ComponentChildren } from 'preact';
import { badgeText } from '../lib/format';

export function ErrorAlert({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p class="error" role="alert" data-testid="error">
      {message}
    </p>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status" data-testid="notice">
      {children}
    </p>
  );
}

export function UnreadBadge({ count, capped }: { count: number; capped: boolean }) {
  if (count <= 0) return null;
  const text = badgeText(count, capped);
  return (
    <span class="badge" data-testid="unread-badge" aria-label={`${text} unread`}>
      {text}
    </span>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}

/** A table that may scroll sideways on small screens: a labelled region keyboard users can scroll. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
