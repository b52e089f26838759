// Every view, wide and narrow: no serious or critical accessibility violation (axe-core),
// no horizontal scroll at 360 px, and a screenshot of each.
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import {
  Tenant,
  type Person,
  expectAccessible,
  expectNoHorizontalScroll,
  inboundSms,
  messages,
  notice,
  openConversation,
  phoneNumber,
  screenshot,
  signIn,
} from './support';

const tenant = new Tenant('views');
const family = 'garcia-family';
const clinicNumber = phoneNumber();
let staff: Person;
let vendor: Person;
let customer: Person;
let general: string;
let order: string;

test.beforeAll(async () => {
  await tenant.smsNumbers([clinicNumber]);
  staff = await tenant.staff('sam', 'Sam Staff', 'staff');
  vendor = await tenant.staff('vendor-9', 'Paws & Co', 'basic_staff');
  customer = await tenant.contact(family, 'elena', 'Elena Garcia', { email: 'elena@example.com' });
  await tenant.patient(family, 'bella', 'Bella');
  general = (await tenant.send(customer, { message: 'Bella has been scratching her ear since Monday.' }))
    .conversation_id;
  await tenant.send(staff, {
    customer_id: family,
    message: 'Thanks Elena. Can you bring her in tomorrow at 9:30?\nPlease skip her breakfast.',
  });
  await tenant.send(customer, { message: 'Yes, see you then.' });
  await tenant.send(staff, { customer_id: family, patient_id: 'bella', message: 'Bella: ear drops twice a day for a week.' });
  order = (await tenant.openOrder(family, `2077-${Date.now()}`, 'Order #2077 grooming kit', [vendor.sub])).id;
  await tenant.send(vendor, { conversation_id: order, message: 'Your grooming kit ships today.' });
  await tenant.send(customer, { conversation_id: order, message: 'Great, thank you!' });
  await tenant.event(order, {
    type: 'delivery',
    text: 'Tracking number attached',
    metadata: { version: 1, files: ['tracking.pdf'] },
    on_behalf_of: vendor.sub,
  });
  await tenant.event(order, { type: 'status_change', metadata: { old_status: 'in_progress', new_status: 'shipped' } });
  // A text from a number no contact holds: one row of the unmatched texts.
  await inboundSms(phoneNumber(), clinicNumber, 'Hi, is this the clinic? My cat is sick.');
});

type Who = 'nobody' | 'staff' | 'customer' | 'admin' | 'vendor';

interface View {
  name: string;
  who: Who;
  /** Screenshot names, wide and narrow. */
  shots: [string | null, string | null];
  show: (page: Page) => Promise<void>;
}

const views: View[] = [
  {
    name: 'sign-in',
    who: 'nobody',
    shots: ['signin.png', null],
    show: async (page) => {
      await page.goto('./');
      await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
      // The local API offers its demo identities: one button each, named by its label.
      const config = await (await page.request.get('config.json')).json();
      if (config?.signin?.kind === 'demo') {
        for (const identity of config.signin.identities) {
          await expect(page.getByRole('button', { name: identity.label, exact: true })).toBeVisible();
        }
      }
    },
  },
  {
    name: 'inbox',
    who: 'staff',
    shots: ['staff-inbox.png', 'mobile-inbox.png'],
    show: async (page) => {
      await page.evaluate(() => {
        location.hash = '#/inbox';
      });
      await expect(page.getByRole('list', { name: 'Conversations' })).toBeVisible();
      await expect(page.getByTestId('conversation-row').first()).toBeVisible();
    },
  },
  {
    name: 'thread',
    who: 'staff',
    shots: ['staff-thread.png', 'mobile-thread.png'],
    show: async (page) => {
      await openConversation(page, general);
      await expect(messages(page).filter({ hasText: 'Yes, see you then.' })).toBeVisible();
    },
  },
  {
    name: 'portal',
    who: 'customer',
    shots: ['customer-portal.png', null],
    show: async (page) => {
      await page.evaluate(() => {
        location.hash = '#/portal';
      });
      await expect(page.getByText('Bella').first()).toBeVisible();
    },
  },
  {
    name: 'customer thread',
    who: 'customer',
    shots: ['customer-thread.png', null],
    show: async (page) => {
      await openConversation(page, general);
      await expect(messages(page).filter({ hasText: 'Please skip her breakfast.' })).toBeVisible();
    },
  },
  {
    name: 'settings',
    who: 'admin',
    shots: ['admin-settings.png', null],
    show: async (page) => {
      await page.evaluate(() => {
        location.hash = '#/settings';
      });
      await expect(page.getByRole('heading', { level: 1, name: 'Messaging settings' })).toBeVisible();
      await expect(page.getByLabel('Mode')).toHaveValue(/full/i);
    },
  },
  {
    name: 'unmatched texts',
    who: 'admin',
    shots: [null, null],
    show: async (page) => {
      await page.evaluate(() => {
        location.hash = '#/unmatched';
      });
      await expect(page.getByRole('heading', { level: 1, name: 'Unmatched texts' })).toBeVisible();
      await expect(page.getByRole('table').getByText('My cat is sick')).toBeVisible();
    },
  },
  {
    name: 'order as vendor',
    who: 'vendor',
    shots: ['vendor-order.png', null],
    show: async (page) => {
      await openConversation(page, order);
      await expect(messages(page).filter({ hasText: 'Great, thank you!' })).toBeVisible();
      await expect(page.locator('[data-testid="message"][data-type="status_change"]')).toBeVisible();
    },
  },
  {
    name: 'order observed by the admin',
    who: 'admin',
    shots: ['admin-order-observe.png', null],
    show: async (page) => {
      await openConversation(page, order);
      await expect(messages(page).filter({ hasText: 'Great, thank you!' })).toBeVisible();
      await expect(notice(page).filter({ hasText: 'You are observing this conversation' })).toBeVisible();
    },
  },
];

const widths = [
  { label: 'wide', viewport: { width: 1280, height: 800 } },
  { label: 'narrow', viewport: { width: 360, height: 740 } },
];

for (const [index, width] of widths.entries()) {
  test.describe(`${width.label} (${width.viewport.width} px)`, () => {
    const contexts = new Map<Who, { context: BrowserContext; page: Page }>();

    async function pageOf(browser: Browser, who: Who): Promise<Page> {
      const known = contexts.get(who);
      if (known) return known.page;
      const context = await browser.newContext({ viewport: width.viewport });
      const page = await context.newPage();
      const person = { staff, customer, admin: tenant.admin, vendor }[who as Exclude<Who, 'nobody'>];
      if (person) await signIn(page, person);
      contexts.set(who, { context, page });
      return page;
    }

    test.afterAll(async () => {
      await Promise.all([...contexts.values()].map(({ context }) => context.close()));
    });

    for (const view of views) {
      test(`${view.name}`, async ({ browser }) => {
        const page = await pageOf(browser, view.who);
        await view.show(page);
        const shot = view.shots[index];
        if (shot) await screenshot(page, shot);
        await expectAccessible(page, `${view.name} at ${width.viewport.width} px`);
        if (width.viewport.width === 360) await expectNoHorizontalScroll(page, view.name, 360);
      });
    }
  });
}
