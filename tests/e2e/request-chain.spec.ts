/**
 * The request chain end to end in Chromium, three people in three browsers:
 * a requester finds a line by search and asks for 2 vials of a batch for
 * research; the institutional official reads the request from the mailed
 * link and confirms it; staff A screens, approves (signing) and reserves;
 * staff B prepares the outbound record (signing as operator) and A reviews it
 * (signing "reviewed"): the vials leave; B records the dispatch (the request
 * is shipped) and uploads a logger file with one excursion; the requester
 * marks receipt with what they know of the arrival, which prefills the
 * arrival record; A signs the deviation assessment and closes; the record and
 * the outbound register name every signer.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createAccount as createPerson, expectAxeClean, signedIn as signIn } from './people.ts';

const PASSWORD = 'violet tram under Xian rain';
const stamp = Date.now().toString(36);
const people = {
  requester: { email: `req-${stamp}@example.org`, name: 'Rita Requester', role: 'requester' },
  staffA: { email: `staff-a-${stamp}@example.org`, name: 'Anna Approver', role: 'staff' },
  staffB: { email: `staff-b-${stamp}@example.org`, name: 'Bo Operator', role: 'staff' },
} as const;

const createAccount = (p: (typeof people)[keyof typeof people]) => createPerson(p, PASSWORD);
const signedIn = (browser: Browser, who: (typeof people)[keyof typeof people]) => signIn(browser, who, PASSWORD);

const status = (page: Page) => page.getByRole('region', { name: 'Where it stands' });

test('a request from search to closed, with two staff, a signed approval, a logger excursion and the register', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  for (const p of Object.values(people)) createAccount(p);

  // The requester finds the line by search and asks for 2 vials of one batch.
  const rita = await signedIn(browser, people.requester);
  await rita.goto('/search?q=H9');
  await rita.getByRole('link', { name: 'WAe009-A', exact: true }).first().click();
  await expect(rita.getByRole('heading', { level: 1, name: 'WAe009-A' })).toBeVisible();
  await rita.getByRole('link', { name: 'Request this line' }).click();
  await expect(rita.getByRole('heading', { level: 1 })).toContainText('WAe009-A');
  await expect(
    rita.getByRole('link', { name: 'Certificate (DL23-00108)' }),
    'the CoA is one click away while choosing',
  ).toBeVisible();
  await rita.getByLabel(/^DL23-00108/).check();
  await rita.getByLabel('Vials', { exact: true }).fill('2');
  await rita.getByRole('button', { name: 'Add to request' }).click();
  await expect(rita.getByRole('status')).toHaveText('Added to your request.');
  const requestUrl = new URL(rita.url());
  const requestId = requestUrl.pathname.split('/').pop()!;

  await rita.getByLabel('Project title', { exact: true }).fill('Cardiac toxicity screening');
  await rita.getByLabel('Ethics approval reference', { exact: true }).fill('IRB-2026-042');
  await rita.getByLabel('Contact phone', { exact: true }).fill('+86 10 1234 5678');
  await rita.getByLabel('Institutional official (name)', { exact: true }).fill('Prof. Zhang');
  await rita.getByLabel('Institutional official (email)', { exact: true }).fill(`official-${stamp}@example.org`);
  await rita
    .getByLabel('Purpose of use', { exact: true })
    .fill('Differentiate cardiomyocytes for drug toxicity screening');
  await rita.getByLabel('Shipping address', { exact: true }).fill('1 Science Road, Beijing');
  await rita.getByLabel('Institution', { exact: true }).fill('Example University');
  await rita.getByRole('button', { name: 'Submit the request' }).click();
  await expect(rita.getByRole('alert'), 'the agreement must be accepted').toContainText(
    'accept the material transfer agreement',
  );
  await expect(rita.getByLabel('Project title', { exact: true }), 'what was typed is kept').toHaveValue(
    'Cardiac toxicity screening',
  );
  await rita.getByRole('checkbox', { name: /^I accept WiCell MTA, version 1.0 \(SHA-256 [0-9a-f]{12}/ }).check();
  await rita.getByRole('button', { name: 'Submit the request' }).click();
  await expect(status(rita)).toContainText('Submitted');
  await expect(status(rita), 'what happens next, in words').toContainText('bank staff screen your request');
  await expectAxeClean(rita, "the requester's request page");

  // The institutional official opens the mailed link (the local portal lists mail at /dev/mail), reads and confirms.
  const official = await (await browser.newContext()).newPage();
  await official.goto('/dev/mail');
  const mail = official.getByRole('article', { name: new RegExp(`official-${stamp}@example\\.org`) });
  const link = await mail
    .getByRole('link', { name: /confirm-request/ })
    .first()
    .getAttribute('href');
  const linkUrl = new URL(link!);
  await official.goto(`${linkUrl.pathname}${linkUrl.search}`);
  await expect(official.getByText('Cardiac toxicity screening'), 'the official sees what they confirm').toBeVisible();
  await expect(official.getByRole('cell', { name: 'WAe009-A' })).toBeVisible();
  await expectAxeClean(official, "the official's page");
  await official.getByRole('button', { name: 'Confirm for my institution' }).click();
  await expect(official.getByRole('status')).toContainText('the confirmation is recorded');
  await official.goto(`${linkUrl.pathname}${linkUrl.search}`);
  await expect(official.getByText('This link has been used already'), 'a used link says so').toBeVisible();
  await expect(official.getByRole('button', { name: 'Confirm for my institution' })).toHaveCount(0);

  // Staff A screens, approves with a signature, reserves and releases.
  const anna = await signedIn(browser, people.staffA);
  await anna.goto('/staff/requests');
  await anna.getByRole('link', { name: `#${requestId}` }).click();
  await anna.getByRole('button', { name: 'Start review' }).click();
  await expect(status(anna)).toContainText('Under review');
  for (const check of [
    'Agreement accepted (current version)',
    'Ethics approval reference present',
    'Terms of use respected',
    'Clinical grade only for clinical use',
    'Institutional official confirmed this version of the request',
  ]) {
    await anna.getByLabel(check).check();
  }
  await anna.getByRole('button', { name: 'Save checklist' }).click();
  await anna.getByLabel('Your password (signature)', { exact: true }).fill('not my password');
  await anna.getByRole('button', { name: 'Approve (sign)' }).click();
  await expect(anna.getByRole('alert'), 'a wrong password signs nothing').toContainText('The password is not right');
  await anna.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await anna.getByRole('button', { name: 'Approve (sign)' }).click();
  await expect(status(anna)).toContainText('Approved');
  await anna.getByRole('button', { name: 'Reserve vials' }).click();
  await expect(status(anna)).toContainText('Vials reserved');
  await anna.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await anna.getByRole('button', { name: 'Release with CoA (sign)' }).click();
  await expect(status(anna)).toContainText('Released');
  await expectAxeClean(anna, 'the staff request page');

  await rita.reload();
  await expect(status(rita)).toContainText('Released');
  await expect(status(rita)).toContainText('a second reviews it');

  // Staff B prepares the outbound record as operator; A reviews and signs it; then B records the dispatch and the logger file.
  const bo = await signedIn(browser, people.staffB);
  await bo.goto(`/staff/requests/${requestId}`);
  await bo.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await bo.getByRole('button', { name: 'Prepare the outbound record as operator (sign)' }).click();
  await expect(bo.getByText('You prepared this outbound record: a second staff member must review it.')).toBeVisible();
  await anna.goto(`/staff/requests/${requestId}`);
  await expect(anna.getByText(/Prepared by Bo Operator/)).toBeVisible();
  await anna.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await anna.getByRole('button', { name: 'Review the outbound record (sign): the vials leave' }).click();
  await expect(anna.getByRole('region', { name: 'Outbound record (出库)' })).toContainText('Anna Approver');
  await expect(status(anna), 'not shipped before the dispatch').toContainText('Released');
  await bo.goto(`/staff/requests/${requestId}`);
  const day = new Date().toISOString().slice(0, 10);
  await bo.getByLabel('Dispatch time (UTC)', { exact: true }).fill(`${day}T08:00`);
  await bo.getByLabel('Dispatch place', { exact: true }).fill('Bank, Beijing');
  await bo.getByLabel('Dispatch temperature (°C)', { exact: true }).fill('-190');
  await bo.getByLabel('Required minimum (°C)', { exact: true }).fill('-196');
  await bo.getByLabel('Required maximum (°C)', { exact: true }).fill('-150');
  await bo.getByLabel('Device (dry shipper / logger) number', { exact: true }).fill('DS-0042');
  await bo.getByLabel('Vehicle', { exact: true }).fill('Cold-chain van');
  await bo.getByLabel('Carrier', { exact: true }).fill('ColdChain Logistics');
  await bo.getByLabel('Courier', { exact: true }).fill('Wang Lei');
  await bo.getByRole('button', { name: 'Record dispatch' }).click();
  await expect(bo.getByRole('region', { name: 'Transport record (运输)' })).toContainText('ColdChain Logistics');
  await expect(status(bo), 'the dispatch makes it shipped').toContainText('Shipped');
  const logger = [
    '# logger_serial: DL-7781',
    '# interval_s: 600',
    'timestamp,temperature_c',
    ...[-191, -189, -160, -142, -138, -170, -188, -190].map(
      (c, i) =>
        `${day}T${String(8 + Math.floor(i / 6)).padStart(2, '0')}:${String((i % 6) * 10).padStart(2, '0')}:00Z,${c}`,
    ),
  ].join('\n');
  await bo
    .getByLabel('Data logger file (CSV)', { exact: true })
    .setInputFiles({ name: 'DL-7781.csv', mimeType: 'text/csv', buffer: Buffer.from(logger) });
  await bo.getByRole('button', { name: 'Read the logger file' }).click();
  await expect(
    bo.getByRole('img', { name: /Temperature in transit against the required range/ }),
    'the curve is drawn',
  ).toBeVisible();
  await expect(bo.getByRole('region', { name: 'Deviations' })).toContainText('Above -150');

  // The requester sees the shipment, the deviation on the timeline, and marks receipt.
  await rita.reload();
  await expect(status(rita)).toContainText('Shipped');
  await expect(status(rita)).toContainText('confirm receipt');
  const timeline = rita.getByRole('region', { name: 'Timeline' });
  await expect(timeline).toContainText('Deviation flagged');
  await expect(timeline).toContainText('Approved → Vials reserved');
  await rita.getByLabel('Condition on arrival', { exact: true }).fill('Arrived frozen, dry shipper intact');
  await rita.getByLabel('Arrival time (UTC)', { exact: true }).fill(`${day}T15:30`);
  await rita.getByLabel('Arrival temperature (°C)', { exact: true }).fill('-185');
  await rita.getByRole('button', { name: 'Confirm receipt' }).click();
  await expect(status(rita)).toContainText('Received');
  await expect(status(rita)).toContainText('close the request');

  // Staff A confirms the arrival the receipt prefilled; cannot close before the deviation is assessed; signs it; closes.
  await anna.goto(`/staff/requests/${requestId}`);
  await expect(anna.getByLabel('Arrival temperature (°C)', { exact: true }), 'prefilled from the receipt').toHaveValue(
    '-185',
  );
  await expect(anna.getByLabel('Receiver', { exact: true })).toHaveValue('Rita Requester');
  await anna.getByRole('button', { name: 'Record arrival' }).click();
  await expect(anna.getByRole('region', { name: 'Transport record (运输)' })).toContainText('-185');
  await expect(anna.getByRole('button', { name: 'Close the request' }), 'no closing with a deviation open').toHaveCount(
    0,
  );
  await anna
    .getByLabel('Assessment', { exact: true })
    .fill('Rise above -150 °C for about 20 minutes; vials stayed frozen; accepted.');
  await anna.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await anna.getByRole('button', { name: 'Close deviation (sign)' }).click();
  await anna.getByRole('button', { name: 'Close the request' }).click();
  await expect(status(anna)).toContainText('Closed');

  await rita.reload();
  await expect(status(rita)).toContainText('Closed');
  await expect(status(rita)).toContainText('kept for 30 years');
  await rita.goto(`/zh/account/requests/${requestId}`);
  await expect(rita.getByRole('region', { name: '当前进展' }), 'the same request in Chinese').toContainText('已关闭');
  await expect(rita.getByRole('region', { name: '时间线' })).toContainText('已批准 → 已预留');
  await expectAxeClean(rita, 'the request page in Chinese');

  // The outbound register holds the request, both names and the deviation.
  const csv = await (
    await anna.request.get(`/api/v1/staff/registers/outbound.csv?from=2000-01-01&to=2100-01-01&lang=en`)
  ).text();
  const row = csv.split('\r\n').find((line) => line.startsWith(`${requestId},`));
  expect(row, 'the register has the request').toBeTruthy();
  expect(row).toContain('Bo Operator');
  expect(row).toContain('Anna Approver');
  expect(row).toContain('Above -150');
  expect(row, 'the assessor is named in the register').toContain('Anna Approver, deviation closed');
  expect(csv.charCodeAt(0), 'UTF-8 with BOM').toBe(0xfeff);

  // The printable record shows the signatures and the curve.
  await anna.goto(`/staff/requests/${requestId}/record`);
  await expect(anna.getByRole('heading', { level: 1 })).toContainText(`Outbound record, request #${requestId}`);
  await expect(anna.getByText(/Anna Approver, approved, \d{4}-/)).toBeVisible();
  await expect(anna.getByText(/Bo Operator, executed, \d{4}-/)).toBeVisible();
  await expect(anna.getByText(/Anna Approver, reviewed, \d{4}-/)).toBeVisible();
  await expect(anna.getByText(/Anna Approver, deviation closed, \d{4}-/)).toBeVisible();
  await expect(anna.getByText(/Closed by Anna Approver on/)).toBeVisible();
});
