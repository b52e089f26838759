// A refused send is told as a sentence a person understands, never as the API's JSON.
import { test, expect, type Page } from '@playwright/test';
import {
  Tenant,
  type Person,
  messageBox,
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
    // The box itself stops at 4,000 characters: nothing too long can be sent.
    expect(await box.getAttribute('maxlength')).toBe('4000');
  } else {
    await sendButton(page).click();
    await expectFriendlyError(page, /\w/);
  }
  await context.close();
});

test('a conversation closed under the composer: the send is refused with a sentence', async ({ browser }) => {
  const { context, page } = await signedIn(browser, staff);
  await openConversation(page, general);
  await expect(messageBox(page)).toBeVisible();
  await tenant.close(general);

  await messageBox(page).fill('We are open from ten to two');
  await sendButton(page).click();
  await expectFriendlyError(page, /closed/i);
  await context.close();
});
