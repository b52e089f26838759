import { NETWORK_SENTENCE, sentenceFor } from './errors';

/** An API refusal, already turned into a sentence a person can read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function isApiError(e: unknown, ...codes: string[]): e is ApiError {
  return e instanceof ApiError && (codes.length === 0 || (e.code !== undefined && codes.includes(e.code)));
}

export function errorSentence(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return NETWORK_SENTENCE;
}

interface ClientSetup {
  base: string;
  token: () => string | null;
}

let setup: ClientSetup = { base: '', token: () => null };
let unauthorized: () => void = () => {};

export function configureClient(s: ClientSetup): void {
  setup = s;
}

/** Who to tell when the API no longer accepts the token. */
export function onUnauthorized(f: () => void): void {
  unauthorized = f;
}

export function apiUrl(path: string): string {
  return setup.base.replace(/\/$/, '') + path;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const MAX_RETRIES = 3;

function retryDelayMs(res: Response): number {
  const s = Number(res.headers.get('Retry-After'));
  // A missing or odd header still deserves a pause; a huge one is capped so the page stays usable.
  return Math.min(Number.isFinite(s) && s > 0 ? s : 1, 30) * 1000;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

/** One call to the API: JSON in, the raw Response out; 429 and 503 are retried after Retry-After. */
export async function send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  const token = setup.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const url = apiUrl(withQuery(path, opts.query));
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal: opts.signal });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new ApiError(0, undefined, NETWORK_SENTENCE);
    }
    if ((res.status === 429 || res.status === 503) && attempt < MAX_RETRIES) {
      await sleep(retryDelayMs(res), opts.signal);
      continue;
    }
    if (res.ok || res.status === 304) return res;
    throw await toError(res);
  }
}

async function toError(res: Response): Promise<ApiError> {
  let code: string | undefined;
  try {
    const data = (await res.json()) as { error?: { code?: string } };
    code = data?.error?.code;
  } catch {
    // Gateways answer with bodies of their own; the status still says enough.
  }
  if (res.status === 401) unauthorized();
  return new ApiError(res.status, code, sentenceFor(code, res.status));
}

export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => api<T>('GET', path, { query, signal });
