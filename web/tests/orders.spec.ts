// An order of a marketplace: the host application opens it with the vendor, vendor and
// buyer talk, the admin observes, host events show by type, closing ends the talk.
import { test, expect } from '@playwright/test';
import {
  Tenant,
  type Person,
  type Session,
  composer,
  messages,
  notice,
  openConversation,
  reopen,
  row,
  sendFromComposer,
  signedIn,
} from './support';

test.describe.configure({ mode: 'serial' });

const tenant = new Tenant('orders');
const family = 'buyer-family';
let vendor: Person;
let buyer: Person;
let order: string;
let title: string;
const sessions: Session[] = [];
let vendorView: Session;
let buyerView: Session;

test.beforeAll(async () => {
  vendor = await tenant.staff('vendor-9', 'Paws & Co', 'basic_staff');
  buyer = await tenant.contact(family, 'dana', 'Dana Buyer');
  const orderId = `1042-${Date.now()}`;
  title = `Order #${orderId}`;
  const opened = await tenant.openOrder(family, orderId, title, [vendor.sub]);
  expect(opened.participants).toContain(vendor.sub);
  expect(opened.admin_can_write).toBe(false);
  order = opened.id;
});

test.afterAll(async () => {
  await Promise.all(sessions.map((s) => s.context.close()));
});

test('vendor and buyer talk in the order through the app', async ({ browser }) => {
  vendorView = await signedIn(browser, vendor);
  sessions.push(vendorView);
  const orderRow = row(vendorView.page, order);
  await expect(orderRow).toBeVisible();
  await expect(orderRow.getByRole('link').first()).toHaveAccessibleName(new RegExp(`^${title.replace(/[#.]/g, '\\$&')}`));
  await openConversation(vendorView.page, order);
  await expect(vendorView.page.getByRole('heading', { level: 2, name: title })).toBeVisible();
  await sendFromComposer(vendorView.page, 'Your order ships today');

  buyerView = await signedIn(browser, buyer);
  sessions.push(buyerView);
  await openConversation(buyerView.page, order);
  await expect(messages(buyerView.page).filter({ hasText: 'Your order ships today' })).toBeVisible();
  await sendFromComposer(buyerView.page, 'Thanks! Can it come gift-wrapped?');

  // The vendor's open thread picks the answer up by itself.
  await expect(
    messages(vendorView.page).filter({ hasText: 'Thanks! Can it come gift-wrapped?' }),
  ).toBeVisible({ timeout: 20_000 });
});

test('the admin observes the order: messages, no composer', async ({ browser }) => {
  const admin = await signedIn(browser, tenant.admin);
  sessions.push(admin);
  await openConversation(admin.page, order);
  await expect(messages(admin.page).filter({ hasText: 'Your order ships today' })).toBeVisible();
  await expect(messages(admin.page).filter({ hasText: 'Thanks! Can it come gift-wrapped?' })).toBeVisible();
  await expect(notice(admin.page).filter({ hasText: 'You are observing this conversation' })).toBeVisible();
  await expect(composer(admin.page)).toHaveCount(0);
});

test("host events show by type in the vendor's view", async () => {
  await tenant.event(order, {
    type: 'delivery',
    text: 'First draft attached',
    metadata: { version: 1, files: ['logo-v1.ai'] },
    on_behalf_of: vendor.sub,
  });
  await tenant.event(order, {
    type: 'revision',
    text: 'Please make the logo bigger',
    metadata: { version: 2 },
    on_behalf_of: buyer.sub,
  });
  await tenant.event(order, {
    type: 'status_change',
    metadata: { old_status: 'in_progress', new_status: 'delivered' },
  });

  const page = vendorView.page;
  await reopen(page, order);
  const delivery = messages(page).and(page.locator('[data-type="delivery"]'));
  const revision = messages(page).and(page.locator('[data-type="revision"]'));
  const status = messages(page).and(page.locator('[data-type="status_change"]'));
  await expect(delivery).toContainText('First draft attached');
  await expect(revision).toContainText('Please make the logo bigger');
  await expect(status).toContainText(/delivered/i);
  await expect(status).toContainText(/in.progress/i);
});

test('closing the order takes both composers away', async () => {
  await expect(composer(vendorView.page)).toBeVisible();
  await expect(composer(buyerView.page)).toBeVisible();
  await tenant.close(order);

  for (const view of [vendorView, buyerView]) {
    await reopen(view.page, order);
    await expect(notice(view.page).filter({ hasText: 'This conversation is closed' })).toBeVisible();
    await expect(composer(view.page)).toHaveCount(0);
    await expect(messages(view.page).filter({ hasText: 'Your order ships today' })).toBeVisible();
  }
});
