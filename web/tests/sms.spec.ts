// A text from a contact's phone becomes a message in the thread the clinic has open.
import { test, expect } from '@playwright/test';
import {
  Tenant,
  type Person,
  inboundSms,
  messages,
  openConversation,
  phoneNumber,
  signedIn,
} from './support';

const tenant = new Tenant('sms');
const family = 'ortiz-family';
const clinicNumber = phoneNumber();
const contactPhone = phoneNumber();
let staff: Person;
let general: string;

test.beforeAll(async () => {
  await tenant.smsNumbers([clinicNumber]);
  staff = await tenant.staff('sam', 'Sam Staff', 'staff');
  await tenant.contact(family, 'luis', 'Luis Ortiz', { phone: contactPhone, sms_opt_in: true });
  general = (await tenant.send(staff, { customer_id: family, message: 'Milo is due for his booster' }))
    .conversation_id;
});

test("a text reply appears in the clinic's open thread", async ({ browser }) => {
  const clinic = await signedIn(browser, staff);
  await openConversation(clinic.page, general);
  await expect(messages(clinic.page).filter({ hasText: 'Milo is due for his booster' })).toBeVisible();

  const text = 'Thanks, we can come Tuesday morning';
  await inboundSms(contactPhone, clinicNumber, text);
  // Within one refresh of the open thread, without reloading.
  await expect(messages(clinic.page).filter({ hasText: text })).toBeVisible({ timeout: 15_000 });

  await clinic.context.close();
});
