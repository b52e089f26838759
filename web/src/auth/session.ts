import type { ClaimNames } from '../config';
import type { Role } from '../api/types';

export interface Session {
  token: string;
  sub: string;
  role: Role;
  name: string;
  tenant: string;
  customerId: string | null;
  exp: number | null;
}

const KEY = 'tidings.token';
const ROLES: Role[] = ['admin', 'staff', 'basic_staff', 'customer', 'service'];

function decodePayload(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const json = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return json && typeof json === 'object' ? (json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);

/** Reads the claims for display and routing only; the API verifies the signature. */
export function sessionFromToken(token: string, names: ClaimNames): Session | null {
  const c = decodePayload(token);
  if (!c) return null;
  const role = str(c[names.role]) as Role | null;
  const sub = str(c.sub);
  if (!role || !ROLES.includes(role) || !sub) return null;
  const exp = typeof c.exp === 'number' ? c.exp : null;
  if (exp !== null && exp * 1000 <= Date.now()) return null;
  return {
    token,
    sub,
    role,
    name: str(c[names.name]) ?? str(c.email) ?? sub,
    tenant: str(c[names.tenant]) ?? '',
    customerId: str(c[names.customer]),
    exp,
  };
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

export const homeRoute = (s: Session) => (s.role === 'customer' ? '#/portal' : '#/inbox');
