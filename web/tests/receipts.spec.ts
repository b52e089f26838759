// A staff reply reaches the family: each contact has their own unread count, the reader's
// visit turns the staff member's receipt to "Read".
import { test, expect } from '@playwright/test';
import {
  Tenant,
  type Person,
  badge,
  messages,
  openConversation,
  reopen,
  row,
  sendFromComposer,
  signedIn,
} from './support';

const tenant = new Tenant('receipts');
const family = 'lee-family';
let staff: Person;
let casey: Person;
let jordan: Person;
let general: string;

test.beforeAll(async () => {
  staff = await tenant.staff('sam', 'Sam Staff', 'staff');
  casey = await tenant.contact(family, 'casey', 'Casey Lee', { email: 'casey@example.com' });
  jordan = await tenant.contact(family, 'jordan', 'Jordan Lee');
  await tenant.patient(family, 'bella', 'Bella');
  // The family asked first: the thread exists and waits for the clinic.
  general = (await tenant.send(casey, { message: 'Is Bella ready for pick-up?' })).conversation_id;
});

test('staff reply: unread for each contact, then read receipt', async ({ browser }) => {
  const clinic = await signedIn(browser, staff);
  await openConversation(clinic.page, general);
  await expect(messages(clinic.page).filter({ hasText: 'Is Bella ready for pick-up?' })).toBeVisible();

  const reply = 'Bella is ready, see you at five';
  await sendFromComposer(clinic.page, reply);
  const sent = messages(clinic.page).filter({ hasText: reply });
  await expect(sent.getByTestId('receipt')).toHaveText(/Sent/);

  // Casey sees the badge, opens the thread, and the badge goes.
  const first = await signedIn(browser, casey);
  await expect(badge(first.page)).toHaveText('1');
  await expect(badge(first.page)).toHaveAttribute('aria-label', '1 unread');
  await openConversation(first.page, general);
  await expect(messages(first.page).filter({ hasText: reply })).toBeVisible();
  await expect(badge(first.page)).toHaveCount(0);

  // The clinic sees that it was read once the thread is loaded again.
  await reopen(clinic.page, general);
  await expect(
    messages(clinic.page).filter({ hasText: reply }).getByTestId('receipt'),
  ).toContainText('Read', { timeout: 15_000 });

  // Jordan, of the same family, still has it unread: read state is per person.
  const second = await signedIn(browser, jordan);
  await expect(badge(second.page)).toHaveText('1');
  // The portal's list, when it uses the inbox's rows, shows the count on the row too.
  const jordanRow = row(second.page, general);
  const listed = await jordanRow
    .waitFor({ state: 'visible', timeout: 3_000 })
    .then(() => true)
    .catch(() => false);
  if (listed) {
    await expect(jordanRow).toHaveAttribute('data-unread', '1');
    await expect(jordanRow.getByTestId('row-unread')).toHaveText(/1/);
  }

  await Promise.all([clinic.context.close(), first.context.close(), second.context.close()]);
});
