export interface DemoIdentity {
  label: string;
  token: string;
}

export type SignIn =
  | { kind: 'demo'; identities: DemoIdentity[] }
  | { kind: 'host'; name?: string; host?: string; url?: string; origin?: string }
  | { kind: 'cognito'; domain: string; client_id: string; redirect_uri: string; scopes?: string[] | string };

export interface ClaimNames {
  tenant: string;
  role: string;
  customer: string;
  name: string;
}

export interface AppConfig {
  api: string;
  claims: ClaimNames;
  signin: SignIn;
}

const DEFAULT_CLAIMS: ClaimNames = { tenant: 'tenant_id', role: 'role', customer: 'customer_id', name: 'name' };

export async function loadConfig(): Promise<AppConfig> {
  // Beside the app's own files (the build's base path), so one build serves any deployment.
  const res = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json answered ${res.status}`);
  const raw = (await res.json()) as Partial<AppConfig>;
  return {
    api: typeof raw.api === 'string' ? raw.api : '',
    claims: { ...DEFAULT_CLAIMS, ...(raw.claims ?? {}) },
    signin: raw.signin ?? { kind: 'demo', identities: [] },
  };
}
