// Files in a thread: a customer attaches a picture, the clinic downloads the same bytes;
// a file the business does not take is refused before any upload.
import { readFileSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import {
  PNG,
  Tenant,
  type Person,
  composer,
  messageBox,
  messages,
  openConversation,
  reopen,
  sendButton,
  signedIn,
} from './support';

const tenant = new Tenant('files');
const family = 'cho-family';
let staff: Person;
let customer: Person;
let general: string;

test.beforeAll(async () => {
  staff = await tenant.staff('sam', 'Sam Staff', 'staff');
  customer = await tenant.contact(family, 'mina', 'Mina Cho');
  general = (await tenant.send(staff, { customer_id: family, message: 'Could you send a photo of the rash?' }))
    .conversation_id;
});

/** The bytes a click on a link downloads, wherever the app sends the download from. */
async function downloadedBytes(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const context = page.context();
  const download = new Promise<import('@playwright/test').Download>((resolve) => {
    page.once('download', resolve);
    context.once('page', (popup) => popup.once('download', resolve));
  });
  await click();
  const file = await Promise.race([
    download,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no download within 15 s')), 15_000)),
  ]);
  const where = await file.path();
  return readFileSync(where);
}

test('a customer attaches a picture; the clinic downloads the same bytes', async ({ browser }) => {
  const portal = await signedIn(browser, customer);
  await openConversation(portal.page, general);
  await composer(portal.page).getByLabel('Attach files').setInputFiles({
    name: 'rash.png',
    mimeType: 'image/png',
    buffer: PNG,
  });
  await messageBox(portal.page).fill('Here it is');
  await sendButton(portal.page).click();
  const sent = messages(portal.page).filter({ has: portal.page.getByTestId('attachment') });
  await expect(sent.getByTestId('attachment')).toHaveText(/rash\.png/);

  const clinic = await signedIn(browser, staff);
  await openConversation(clinic.page, general);
  const link = messages(clinic.page).getByTestId('attachment').filter({ hasText: 'rash.png' });
  await expect(link).toBeVisible();
  const bytes = await downloadedBytes(clinic.page, () => link.click());
  expect(bytes.equals(PNG), `downloaded ${bytes.length} bytes, sent ${PNG.length}`).toBe(true);

  await Promise.all([portal.context.close(), clinic.context.close()]);
});

/** Chooses a file the app must refuse; answers the error it shows. */
async function refusedFile(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<string> {
  await reopen(page, general);
  await composer(page).getByLabel('Attach files').setInputFiles(file);
  const error = page.getByTestId('error').and(page.getByRole('alert'));
  const shown = await error
    .first()
    .waitFor({ state: 'visible', timeout: 3_000 })
    .then(() => true)
    .catch(() => false);
  if (!shown) {
    // The app may check the file when the message is sent.
    await messageBox(page).fill(`About ${file.name}`);
    await sendButton(page).click();
  }
  await expect(error.first()).toBeVisible();
  const text = (await error.first().innerText()).trim();
  expect(text, 'a sentence, not JSON').not.toContain('{');
  expect(text.length).toBeGreaterThan(10);
  return text;
}

test('a file the business does not take is refused before upload', async ({ browser }) => {
  const portal = await signedIn(browser, customer);
  await openConversation(portal.page, general);
  const uploads: string[] = [];
  portal.page.on('request', (request) => {
    // Only the refused files count (the app may ask other things of /attachments).
    const body = request.postData() ?? '';
    if (request.method() === 'POST' && /setup\.exe|huge\.pdf/.test(body)) uploads.push(`${request.url()} ${body}`);
  });

  // Not a type the business takes.
  await refusedFile(portal.page, {
    name: 'setup.exe',
    mimeType: 'application/x-msdownload',
    buffer: Buffer.from('MZ\x90\x00 not a real program'),
  });
  // Over the business's limit (25 MB by default).
  await refusedFile(portal.page, {
    name: 'huge.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(26 * 1024 * 1024, 32)]),
  });

  expect(uploads, 'nothing was asked or sent for the refused files').toEqual([]);
  await expect(
    messages(portal.page).getByTestId('attachment').filter({ hasText: /setup\.exe|huge\.pdf/ }),
  ).toHaveCount(0);
  await portal.context.close();
});
