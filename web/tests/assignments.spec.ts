// Basic staff see the families assigned to them, and only while the assignment lasts.
import { test, expect } from '@playwright/test';
import { Tenant, type Person, row, signedIn } from './support';

const tenant = new Tenant('assign');
let bea: Person;
const conversations: Record<string, string> = {};

test.beforeAll(async () => {
  bea = await tenant.staff('bea', 'Bea Basic', 'basic_staff');
  for (const [family, contact, name] of [
    ['shift-family', 'riley', 'Riley Shift'],
    ['other-family', 'morgan', 'Morgan Other'],
    ['steady-family', 'quinn', 'Quinn Steady'],
  ]) {
    const person = await tenant.contact(family, contact, name);
    conversations[family] = (await tenant.send(person, { message: `Hello from ${name}` })).conversation_id;
  }
  // Bea's regular family: assigned with no end.
  await tenant.assign(bea.sub, 'steady-family');
});

test('basic staff: only assigned families, gone when the assignment ends', async ({ browser }) => {
  // Today's shift: assigned for a few seconds from now.
  const until = new Date(Date.now() + 10_000);
  await tenant.assign(bea.sub, 'shift-family', until);

  const { context, page } = await signedIn(browser, bea);
  const list = page.getByRole('list', { name: 'Conversations' });
  await expect(list).toBeVisible();
  await expect(row(page, conversations['steady-family'])).toBeVisible();
  await expect(row(page, conversations['shift-family'])).toBeVisible();
  await expect(row(page, conversations['other-family'])).toHaveCount(0);

  // After the assignment's end, the family is no longer in the inbox.
  const wait = until.getTime() + 1_000 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  await page.reload();
  await expect(row(page, conversations['steady-family'])).toBeVisible();
  await expect(row(page, conversations['shift-family'])).toHaveCount(0);
  await expect(row(page, conversations['other-family'])).toHaveCount(0);

  await context.close();
});
