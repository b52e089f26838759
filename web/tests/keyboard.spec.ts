// The composer by keyboard: Enter sends, Shift+Enter starts a new line, focus stays, and
// Tab reaches the message box and the Send button.
import { test, expect } from '@playwright/test';
import {
  Tenant,
  type Person,
  messageBox,
  messages,
  messagesLog,
  openConversation,
  sendButton,
  signedIn,
} from './support';

const tenant = new Tenant('keys');
const family = 'khan-family';
let staff: Person;
let general: string;

test.beforeAll(async () => {
  staff = await tenant.staff('sam', 'Sam Staff', 'staff');
  const customer = await tenant.contact(family, 'aisha', 'Aisha Khan');
  general = (await tenant.send(customer, { message: 'What should Luna eat after surgery?' })).conversation_id;
});

test('Enter sends, Shift+Enter is a new line, focus stays in the message box', async ({ browser }) => {
  const { context, page } = await signedIn(browser, staff);
  await openConversation(page, general);
  await expect(messages(page)).toHaveCount(1);

  const box = messageBox(page);
  await box.click();
  await page.keyboard.type('Soft food tonight,');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('then her usual diet.');
  await expect(box).toHaveValue('Soft food tonight,\nthen her usual diet.');
  await expect(messages(page)).toHaveCount(1);

  await page.keyboard.press('Enter');
  const sent = messages(page).filter({ hasText: 'then her usual diet.' });
  await expect(sent).toBeVisible();
  const shown = await sent.innerText();
  expect(shown).toMatch(/Soft food tonight,[ \t]*\n[ \t]*then her usual diet\./);
  await expect(box).toBeFocused();
  await expect(box).toHaveValue('');

  await context.close();
});

test('Tab reaches the message box and the Send button', async ({ browser }) => {
  const { context, page } = await signedIn(browser, staff);
  await openConversation(page, general);
  await expect(messageBox(page)).toBeVisible();
  // From the top of the page, forward with Tab only.
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  let reachedBox = false;
  let reachedSend = false;
  for (let i = 0; i < 80 && !(reachedBox && reachedSend); i++) {
    await page.keyboard.press('Tab');
    if (!reachedBox) reachedBox = await messageBox(page).evaluate((el) => el === document.activeElement);
    else reachedSend = await sendButton(page).evaluate((el) => el === document.activeElement);
  }
  expect(reachedBox, 'Tab reaches the message box').toBe(true);
  expect(reachedSend, 'Tab goes on from the message box to Send').toBe(true);

  // And the focused control is visibly marked.
  const outline = await sendButton(page).evaluate((el) => {
    const style = getComputedStyle(el);
    return { style: style.outlineStyle, width: style.outlineWidth, shadow: style.boxShadow };
  });
  expect(
    outline.style !== 'none' && outline.width !== '0px' ? true : outline.shadow !== 'none',
    `focus is visible on Send (${JSON.stringify(outline)})`,
  ).toBe(true);

  await context.close();
});

test('on a narrow screen, Escape closes the open thread and shows the list again', async ({ browser }) => {
  const { context, page } = await signedIn(browser, staff, { width: 360, height: 740 });
  const list = page.getByRole('list', { name: 'Conversations' });
  await expect(list).toBeVisible();
  await openConversation(page, general);
  await expect(list).toBeHidden();
  await messageBox(page).click();
  await page.keyboard.press('Escape');
  await expect(list).toBeVisible();
  await expect(messagesLog(page)).toBeHidden();
  await context.close();
});
