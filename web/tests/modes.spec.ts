// The business's messaging mode: read-only hides every composer, disabled turns the
// customer's portal into a plain notice.
import { test, expect } from '@playwright/test';
import {
  Tenant,
  type Person,
  composer,
  messages,
  notice,
  openConversation,
  signedIn,
} from './support';

const tenant = new Tenant('modes');
const family = 'park-family';
let staff: Person;
let customer: Person;
let general: string;

test.beforeAll(async () => {
  staff = await tenant.staff('sam', 'Sam Staff', 'staff');
  customer = await tenant.contact(family, 'alex', 'Alex Park');
  general = (await tenant.send(customer, { message: 'Can we move Rex to Friday?' })).conversation_id;
  await tenant.send(staff, { customer_id: family, message: 'Friday at ten works' });
});

test.afterAll(async () => {
  await tenant.settings({ mode: 'full' });
});

test('read-only mode: no composer for the customer or the staff, a notice instead', async ({ browser }) => {
  await tenant.settings({ mode: 'read_only' });

  const portal = await signedIn(browser, customer);
  await openConversation(portal.page, general);
  await expect(messages(portal.page).filter({ hasText: 'Friday at ten works' })).toBeVisible();
  await expect(notice(portal.page).filter({ hasText: /read-only/i })).toBeVisible();
  await expect(notice(portal.page).first()).toHaveAttribute('role', 'status');
  await expect(composer(portal.page)).toHaveCount(0);

  const clinic = await signedIn(browser, staff);
  await openConversation(clinic.page, general);
  await expect(messages(clinic.page).filter({ hasText: 'Can we move Rex to Friday?' })).toBeVisible();
  await expect(notice(clinic.page).filter({ hasText: /read-only/i })).toBeVisible();
  await expect(composer(clinic.page)).toHaveCount(0);

  await Promise.all([portal.context.close(), clinic.context.close()]);
});

test('disabled mode: the customer is told messaging is turned off', async ({ browser }) => {
  await tenant.settings({ mode: 'disabled' });

  const portal = await signedIn(browser, customer);
  await expect(notice(portal.page).filter({ hasText: 'Messaging is turned off' })).toBeVisible();
  await expect(composer(portal.page)).toHaveCount(0);
  await expect(portal.page.getByRole('log', { name: 'Messages' })).toHaveCount(0);

  await portal.context.close();
});
