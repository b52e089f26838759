// What the browser tests share: the API they run against, tokens, data set up through
// the API, the SMS provider's signed webhook, sign-in, the thread's controls, the
// accessibility scan and screenshots.
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const API = (process.env.TIDINGS_API ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
export const LOCAL_BIN =
  process.env.TIDINGS_LOCAL_BIN ?? path.resolve(WEB_DIR, '../target/debug/local');
export const OPERATOR_KEY = process.env.TIDINGS_OPERATOR_KEY ?? 'tidings-dev-operator-key';
export const SMS_TOKEN = process.env.TIDINGS_SMS_TOKEN ?? 'tidings-dev-sms-token';
export const SCREENSHOTS = path.resolve(
  process.env.TIDINGS_SCREENSHOTS ?? path.resolve(WEB_DIR, '../target/web/screenshots'),
);
const AXE = path.resolve(WEB_DIR, 'node_modules/axe-core/axe.min.js');

export type Role = 'admin' | 'staff' | 'basic_staff' | 'customer' | 'service';

export interface Person {
  role: Role;
  sub: string;
  name: string;
  customer?: string;
  token: string;
}

/** A short random suffix: ids of one run never meet those of another. */
export function unique(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A North American number of the fictional 555 range, different on every call. */
export function phoneNumber(): string {
  const digits = Array.from(randomBytes(7), (b) => String(b % 10)).join('');
  return `+1555${digits}`;
}

/** A token for a person, minted by the local API's binary (an hour). */
export function mint(role: Role, tenant: string, sub: string, name: string, customer?: string): string {
  const args = ['token', '--role', role, '--tenant', tenant, '--sub', sub, '--name', name];
  if (customer) args.push('--customer', customer);
  args.push('--hours', '1');
  return execFileSync(LOCAL_BIN, args, { encoding: 'utf8' }).trim();
}

export interface ApiAnswer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** One API call; anything but the expected statuses throws with the body. */
export async function call(
  method: string,
  route: string,
  options: {
    token?: string;
    auth?: string;
    body?: unknown;
    headers?: Record<string, string>;
    expect?: number[];
  } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.auth) headers.authorization = options.auth;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${API}${route}`, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  const wanted = options.expect ?? [200, 201, 204];
  if (!wanted.includes(response.status)) {
    throw new Error(`${method} ${route} answered ${response.status} (expected ${wanted.join(' or ')}): ${text}`);
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** The SMS provider's signature: base64 HMAC-SHA1 of the URL and the sorted parameters. */
export function twilioSignature(url: string, params: Record<string, string>, token = SMS_TOKEN): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  return createHmac('sha1', token).update(data, 'utf8').digest('base64');
}

/** A text from a phone, delivered by the provider's signed webhook. */
export async function inboundSms(from: string, to: string, body: string): Promise<ApiAnswer> {
  const url = `${API}/sms/inbound`;
  const params = { Body: body, From: from, MessageSid: `SM${randomBytes(16).toString('hex')}`, To: to };
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST /sms/inbound answered ${response.status}: ${text}`);
  return { status: response.status, body: null, text, headers: response.headers };
}

/** A business of its own for one spec file, with its admin and its host application. */
export class Tenant {
  readonly id: string;
  private people = new Map<string, Person>();

  constructor(label: string) {
    this.id = `web-${label}-${unique()}`;
  }

  /** The business's admin (tokens are minted when first needed, not when a spec loads). */
  get admin(): Person {
    return this.once('admin', 'admin-avery', 'Avery Admin');
  }

  /** The host application (a marketplace's backend). */
  get service(): Person {
    return this.once('service', 'marketplace', 'Marketplace');
  }

  private once(role: Role, sub: string, name: string): Person {
    const key = `${role}/${sub}`;
    let known = this.people.get(key);
    if (!known) {
      known = this.person(role, sub, name);
      this.people.set(key, known);
    }
    return known;
  }

  /** A token for someone of this business (no profile written). */
  person(role: Role, sub: string, name: string, customer?: string): Person {
    return { role, sub, name, customer, token: mint(role, this.id, sub, name, customer) };
  }

  async settings(change: Record<string, unknown>): Promise<any> {
    return (await call('PUT', '/settings/messaging', { token: this.admin.token, body: change })).body;
  }

  /** A staff member with a profile (admin, staff or basic_staff). */
  async staff(sub: string, name: string, role: 'admin' | 'staff' | 'basic_staff'): Promise<Person> {
    await call('PUT', `/staff/${sub}`, { token: this.admin.token, body: { name, role } });
    return this.person(role, sub, name);
  }

  /** A contact of a customer account, signed in as a customer of that account. */
  async contact(
    customer: string,
    sub: string,
    name: string,
    extra: { email?: string; phone?: string; sms_opt_in?: boolean } = {},
  ): Promise<Person> {
    await call('PUT', `/customers/${customer}/contacts/${sub}`, {
      token: this.admin.token,
      body: { name, ...extra },
    });
    return this.person('customer', sub, name, customer);
  }

  async patient(customer: string, patient: string, name: string): Promise<void> {
    await call('PUT', `/customers/${customer}/patients/${patient}`, {
      token: this.admin.token,
      body: { name },
    });
  }

  /** Assigns a customer account to a (basic) staff member, until a time if given. */
  async assign(staffSub: string, customer: string, until?: Date): Promise<any> {
    const body = until ? { until: until.toISOString().replace(/\.\d{3}Z$/, 'Z') } : {};
    return (await call('PUT', `/staff/${staffSub}/assignments/${customer}`, { token: this.admin.token, body })).body;
  }

  /** A message sent through the API; answers the stored message (its conversation_id). */
  async send(from: Person, body: Record<string, unknown>): Promise<any> {
    return (
      await call('POST', '/messages', {
        token: from.token,
        body,
        headers: { 'idempotency-key': `setup-${unique()}` },
        expect: [201],
      })
    ).body;
  }

  /** The host application opens an order's conversation; answers it. */
  async openOrder(customer: string, orderId: string, title: string, participants: string[]): Promise<any> {
    return (
      await call('POST', '/conversations', {
        token: this.service.token,
        body: { customer_id: customer, order_id: orderId, title, participants },
        expect: [201],
      })
    ).body;
  }

  /** The host application adds an event (delivery, revision, status_change, system) to an order. */
  async event(conversation: string, body: Record<string, unknown>): Promise<any> {
    return (
      await call('POST', `/conversations/${conversation}/events`, {
        token: this.service.token,
        body,
        headers: { 'idempotency-key': `event-${unique()}` },
        expect: [201],
      })
    ).body;
  }

  async close(conversation: string): Promise<any> {
    return (await call('POST', `/conversations/${conversation}/close`, { token: this.service.token })).body;
  }

  /** The operator grants SMS numbers; the admin then lists them in the settings. */
  async smsNumbers(numbers: string[]): Promise<void> {
    await call('PUT', `/operator/tenants/${this.id}/grant`, {
      auth: `Operator ${OPERATOR_KEY}`,
      body: { sms_numbers: numbers },
    });
    await this.settings({ sms_numbers: numbers });
  }
}

// ---- the browser -------------------------------------------------------------------

export interface Session {
  context: BrowserContext;
  page: Page;
}

/** A browser context of its own (one person), signed in by the token in the fragment. */
export async function signedIn(
  browser: Browser,
  person: Person,
  viewport = { width: 1280, height: 800 },
): Promise<Session> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await signIn(page, person);
  return { context, page };
}

export async function signIn(page: Page, person: Person): Promise<void> {
  // Refusals while signing in, to say why if the app sends the person back to sign-in.
  const refused: string[] = [];
  const watch = (response: import('@playwright/test').Response) => {
    if (response.status() >= 400) {
      refused.push(`${response.request().method()} ${response.url()} ${response.status()}`);
    }
  };
  page.on('response', watch);
  await page.goto(`./#token=${person.token}`);
  try {
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  } catch (error) {
    const why = refused.join(', ') || 'no refused request';
    throw new Error(`${person.role} ${person.sub} was not signed in (${why}): ${(error as Error).message}`);
  } finally {
    page.off('response', watch);
  }
  await expect(page).not.toHaveURL(/token=/);
}

export function row(page: Page, conversation: string): Locator {
  return page.locator(`[data-testid="conversation-row"][data-conversation-id="${conversation}"]`);
}

export function messagesLog(page: Page): Locator {
  return page.getByRole('log', { name: 'Messages' });
}

export function messages(page: Page): Locator {
  return messagesLog(page).getByTestId('message');
}

export function composer(page: Page): Locator {
  return page.getByRole('form', { name: 'Reply' });
}

export function messageBox(page: Page): Locator {
  return composer(page).getByLabel('Message', { exact: true });
}

export function sendButton(page: Page): Locator {
  return composer(page).getByRole('button', { name: 'Send', exact: true });
}

export function notice(page: Page): Locator {
  return page.getByTestId('notice');
}

export function badge(page: Page): Locator {
  return page.getByTestId('unread-badge');
}

/** Opens a conversation: its row in the list when there is one, else its address. */
export async function openConversation(page: Page, conversation: string): Promise<void> {
  const here = await page.evaluate(() => decodeURIComponent(location.hash));
  if (here.includes(conversation)) {
    const open = await messagesLog(page)
      .waitFor({ state: 'visible', timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    if (open) return;
  }
  const link = row(page, conversation).first().getByRole('link').first();
  const listed = await page.getByRole('list', { name: 'Conversations' }).isVisible();
  try {
    if (!listed) throw new Error('no list of conversations on this page');
    await link.waitFor({ state: 'visible', timeout: 5_000 });
    await link.click();
  } catch {
    await page.evaluate((hash) => {
      location.hash = hash;
    }, `#/c/${conversation}`);
  }
  await expect(messagesLog(page)).toBeVisible();
}

/** Reloads the page and comes back to the conversation. */
export async function reopen(page: Page, conversation: string): Promise<void> {
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await openConversation(page, conversation);
}

/** Types a message in the composer and sends it with the button. */
export async function sendFromComposer(page: Page, text: string): Promise<void> {
  await messageBox(page).fill(text);
  await sendButton(page).click();
  await expect(messages(page).filter({ hasText: text }).first()).toBeVisible();
}

/** axe-core over the whole page: no serious or critical violation. */
export async function expectAccessible(page: Page, view: string): Promise<void> {
  const loaded = await page.evaluate(() => typeof (window as any).axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n: any) => n.target.join(' ')),
      }));
  });
  const report = violations
    .map((v: any) => `  ${v.id} (${v.impact}): ${v.help}\n    ${v.targets.join('\n    ')}`)
    .join('\n');
  expect(violations, `${view}: serious or critical accessibility violations:\n${report}`).toEqual([]);
}

/** Nothing wider than the viewport: no horizontal scroll. */
export async function expectNoHorizontalScroll(page: Page, view: string, width = 360): Promise<void> {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `${view}: page is ${scrollWidth}px wide at ${width}px`).toBeLessThanOrEqual(width);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name) });
}

/** A 1x1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
