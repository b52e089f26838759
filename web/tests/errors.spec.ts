// A refused send is told as a sentence a person understands, never as the API's JSON.
import { test, expect, type Page } from '@playwright/test';
import {
  Tenant,
  type Person,
  composer,
  messageBox,
  messages,
  notice,
  openConversation,
  sendButton,
  signedIn,
} from './support';

const tenant = new Tenant('errors');
const family = 'silva-family';
let staff: Person;
let general: string;

test.beforeAll(async () => {
  staff = await tenant.staff('sam', 'Sam Staff', 'staff');
  const customer = await tenant.contact(family, 'rosa', 'Rosa Silva');
  general = (await tenant.send(customer, { message: 'Is the clinic open on Sunday?' })).conversation_id;
});

async function expectFriendlyError(page: Page, about: RegExp): Promise<void> {
  const error = page.getByRole('alert').and(page.getByTestId('error'));
  await expect(error).toBeVisible();
  await expect(error).toContainText(about);
  const text = (await error.innerText()).trim();
  expect(text, 'a sentence, not JSON').not.toContain('{');
  expect(text, 'a sentence, not an error code').not.toMatch(/\b[a-z]+_[a-z_]+\b/);
  expect(text.split(/\s+/).length, `a sentence: "${text}"`).toBeGreaterThanOrEqual(3);
}

test('a message over 4,000 characters is refused with a sentence', async ({ browser }) => {
  const { context, page } = await signedIn(browser, staff);
  await openConversation(page, general);
  const box = messageBox(page);
  await box.fill('a'.repeat(4001));
  const length = await box.evaluate((el: HTMLTextAreaElement) => el.value.length);
  if (length <= 4000) {
    // The box stops typing at 4,000 characters; a longer text (a script, an extension)
    // still reaches the API, whose refusal must read as a sentence.
    expect(await box.getAttribute('maxlength')).toBe('4000');
    await box.evaluate((el: HTMLTextAreaElement) => {
      const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
      set.call(el, 'b'.repeat(4001));
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }
  await sendButton(page).click();
  await expectFriendlyError(page, /4,?000|too long/i);
  await context.close();
});

test('a send answered 503 with Retry-After is tried again with the same key, and lands once', async ({ browser }) => {
  const { context, page } = await signedIn(browser, staff);
  await openConversation(page, general);
  const keys: string[] = [];
  await page.route('**/messages', async (route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.continue();
    keys.push(request.headers()['idempotency-key'] ?? '');
    if (keys.length > 1) return route.continue();
    // As the API answers when DynamoDB is unavailable: try again after a second.
    return route.fulfill({
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      body: JSON.stringify({ error: { code: 'unavailable', message: 'try again shortly' } }),
    });
  });
  const text = 'Yes, from ten to two on Sundays';
  await messageBox(page).fill(text);
  await sendButton(page).click();
  await expect(messages(page).filter({ hasText: text })).toHaveCount(1);
  await expect(page.getByRole('alert').and(page.getByTestId('error'))).toHaveCount(0);
  expect(keys.length, 'one retry').toBe(2);
  expect(keys[0], 'an idempotency key').not.toBe('');
  expect(keys[1], 'the same key: a retry never sends twice').toBe(keys[0]);
  await context.close();
});

test('a conversation closed under the composer: the send is refused with a sentence', async ({ browser }) => {
  const { context, page } = await signedIn(browser, staff);
  await openConversation(page, general);
  await expect(messageBox(page)).toBeVisible();
  await tenant.close(general);

  await messageBox(page).fill('We are open from ten to two');
  await sendButton(page).click();
  // Told either as an error, or as the thread's closed notice in place of the composer.
  const told = page
    .getByRole('alert')
    .and(page.getByTestId('error'))
    .or(notice(page).filter({ hasText: 'This conversation is closed' }));
  await expect(told.first()).toBeVisible();
  await expect(told.first()).toContainText(/closed/i);
  const text = (await told.first().innerText()).trim();
  expect(text, 'a sentence, not JSON').not.toContain('{');
  expect(text, 'a sentence, not an error code').not.toMatch(/\b[a-z]+_[a-z_]+\b/);
  if (await notice(page).filter({ hasText: 'This conversation is closed' }).isVisible()) {
    await expect(composer(page)).toHaveCount(0);
  }
  await expect(messages(page).filter({ hasText: 'We are open from ten to two' })).toHaveCount(0);
  await context.close();
});
