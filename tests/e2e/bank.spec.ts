/**
 * The bank's own record of a batch end to end in Chromium (issue 18): staff
 * A receives a batch with a logger file (the excursion becomes a deviation,
 * assessed with a signature), A and B sign intake testing, store the vials in
 * a box (positions visible), sign the release; the batch is available in
 * public search with a CoA generated from the release; a requester's request
 * is reserved, the pick list gives unit, rack, box and position, a wrong
 * label is refused and the right ones accepted; the timeline shows every
 * step. axe is clean on every new page.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createAccount as createPerson, expectAxeClean, signedIn as signIn } from './people.ts';

const PASSWORD = 'amber kite over Harbin snow';
const stamp = Date.now().toString(36);
const people = {
  requester: { email: `bank-req-${stamp}@example.org`, name: 'Rui Requester', role: 'requester' },
  staffA: { email: `bank-a-${stamp}@example.org`, name: 'Ai Operator', role: 'staff' },
  staffB: { email: `bank-b-${stamp}@example.org`, name: 'Bin Reviewer', role: 'staff' },
} as const;
const batch = `E2E-BK-${stamp}`.toUpperCase();
const unit = `E2E-T-${stamp}`.toUpperCase();

const createAccount = (p: (typeof people)[keyof typeof people]) => createPerson(p, PASSWORD);
const signedIn = (browser: Browser, who: (typeof people)[keyof typeof people]) => signIn(browser, who, PASSWORD);

/** The reviewer co-signs on the operator's screen. */
async function cosign(form: ReturnType<Page['getByRole']>) {
  await form.getByLabel('Your password (operator signature)', { exact: true }).fill(PASSWORD);
  await form.getByLabel("Reviewer's e-mail", { exact: true }).fill(people.staffB.email);
  await form.getByLabel("Reviewer's password (reviewer signature)", { exact: true }).fill(PASSWORD);
}

const ITEMS = [
  'Sterility | Ph. Eur. 2.6.1 | No growth | No growth | pass',
  'Mycoplasma | qPCR | Not detected | Not detected | pass',
  'Post-thaw viability | Trypan blue | >= 70% | 88% | pass',
].join('\n');

test('a batch received, tested, stored and released by two people, then picked and scanned for a request', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  for (const p of Object.values(people)) createAccount(p);
  const ai = await signedIn(browser, people.staffA);

  // Storage: a tank with a 9 x 9 box.
  await ai.goto('/staff/storage');
  const newUnit = ai.getByRole('form', { name: 'New storage unit' });
  await newUnit.getByLabel('Code', { exact: true }).fill(unit);
  await newUnit.getByLabel('Name', { exact: true }).fill('E2E tank');
  await newUnit.getByRole('button', { name: 'New storage unit' }).click();
  const newBox = ai.getByRole('form', { name: 'New box' });
  await newBox.getByLabel('Storage area', { exact: true }).selectOption({ label: `${unit} (Liquid nitrogen tank)` });
  await newBox.getByLabel('Rack', { exact: true }).fill('R1');
  await newBox.getByLabel('Code', { exact: true }).fill('B1');
  await newBox.getByRole('button', { name: 'New box' }).click();
  await expect(ai.getByRole('status')).toHaveText('Recorded and signed.');
  await expectAxeClean(ai, 'the storage page');

  // Receipt with a logger file: one excursion above -150 °C.
  await ai.goto('/staff/bank');
  const receipt = ai.getByRole('form', { name: 'Receive a batch (入库)' });
  await receipt.getByLabel('Line', { exact: true }).fill('WAe009-A');
  await receipt.getByLabel('Batch number', { exact: true }).fill(batch);
  await receipt.getByLabel('Production date', { exact: true }).fill('2026-10-01');
  await receipt.getByLabel('Cell type', { exact: true }).fill('hESC');
  await receipt.getByLabel('Handover place', { exact: true }).fill('Receiving room 2');
  const day = new Date().toISOString().slice(0, 10);
  await receipt.getByLabel('Dispatch time (UTC)', { exact: true }).fill(`${day}T06:00`);
  await receipt.getByLabel('Arrival time (UTC)', { exact: true }).fill(`${day}T07:30`);
  const logger = [
    '# logger_serial: DL-E2E',
    '# interval_s: 900',
    'timestamp,temperature_c',
    `${day}T06:00:00Z,-190`,
    `${day}T06:15:00Z,-141.5`,
    `${day}T06:30:00Z,-188`,
    `${day}T06:45:00Z,-189`,
  ].join('\n');
  await receipt
    .getByLabel('Data logger file', { exact: true })
    .setInputFiles({ name: 'DL-E2E.csv', mimeType: 'text/csv', buffer: Buffer.from(logger) });
  await receipt.getByLabel('Number of vials', { exact: true }).fill('3');
  await receipt.getByLabel('Courier', { exact: true }).fill('Cold-chain courier');
  await cosign(receipt);
  await receipt.getByRole('button', { name: 'Record the receipt' }).click();
  await expect(ai.getByRole('heading', { level: 1 })).toHaveText(`Bank record of batch ${batch}`);
  await expect(ai.getByRole('status')).toHaveText('Recorded and signed.');
  const deviations = ai.getByRole('region', { name: 'Deviations' });
  await expect(deviations).toContainText('above the required range');
  await expectAxeClean(ai, 'the bank record page');

  // Release is refused while the intake test is missing; the excursion is assessed with a signature.
  await deviations
    .getByLabel('Assessment', { exact: true })
    .fill('15 minutes above -150 °C; vials frozen on arrival. No impact.');
  await deviations.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await deviations.getByRole('button', { name: 'Sign the assessment' }).click();
  await expect(ai.getByRole('region', { name: 'Deviations' })).toContainText('Assessed');

  // Two staff sign intake testing.
  const intake = ai.getByRole('form', { name: 'Intake testing (入库检测)' });
  await intake.getByLabel('Cell count', { exact: true }).fill('3000000');
  await intake.getByLabel('Tested count', { exact: true }).fill('1000000');
  await intake.getByLabel('Basis (standard or SOP)', { exact: true }).fill('SOP-QC-001');
  await intake.getByLabel('Items, methods, results', { exact: true }).fill(ITEMS);
  await intake.getByLabel('Handover person', { exact: true }).fill('Liu Handover');
  await cosign(intake);
  await intake.getByRole('button', { name: 'Sign the intake test' }).click();
  await expect(ai.getByRole('status')).toHaveText('Recorded and signed.');

  // Store the vials in the box: positions visible.
  const store = ai.getByRole('form', { name: 'Store vials in a box (存储)' });
  await store.getByLabel('Box', { exact: true }).selectOption({ label: `${unit} / R1 / B1 (81)` });
  await cosign(store);
  await store.getByRole('button', { name: 'Sign the storage' }).click();
  await expect(ai.getByRole('status')).toHaveText('Recorded and signed.');
  const vials = ai.getByRole('region', { name: 'Vials' });
  await expect(vials).toContainText(`${batch}-V0001`);
  await expect(vials).toContainText(`${unit} / R1 / B1 A1`);
  await expect(vials).toContainText(`${unit} / R1 / B1 A3`);
  await vials.getByRole('link', { name: `${unit} / R1 / B1 A1` }).click();
  await expect(ai.getByRole('table', { name: /Positions of the box/ })).toContainText(`${batch}-V0002`);
  await expectAxeClean(ai, 'the box page');
  await ai.goto(`/staff/labels/${batch}`);
  await expect(ai.getByRole('img', { name: `DataMatrix ${batch}-V0001` })).toBeVisible();
  await expectAxeClean(ai, 'the labels page');

  // The signed release.
  await ai.goto(`/staff/batches/${batch}/record`);
  const release = ai.getByRole('form', { name: 'Release testing (放行检测)' });
  await release.getByLabel('Basis (standard or SOP)', { exact: true }).fill('SOP-QC-002');
  await release.getByLabel('Items, methods, results', { exact: true }).fill(ITEMS);
  await cosign(release);
  await release.getByRole('button', { name: 'Sign the release test' }).click();
  await expect(ai.getByRole('status')).toHaveText('Recorded and signed.');
  await expect(ai.getByTestId('release-status')).toHaveText('Released');

  // Public: found by search, its CoA generated from the release.
  const visitor = await (await browser.newContext()).newPage();
  await expect(async () => {
    await visitor.goto(`/search?q=${batch}`);
    await expect(visitor.getByRole('link', { name: 'WAe009-A', exact: true }).first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await visitor.goto(`/batches/${batch}/coa`);
  await expect(visitor.getByTestId('coa-release')).toContainText('Generated from the signed release, version 1');
  await expect(visitor.getByRole('table')).toContainText('Post-thaw viability');
  await expect(visitor.locator('body')).not.toContainText(unit);
  await expectAxeClean(visitor, 'the public CoA');

  // A requester asks for 2 vials of the batch; staff A approves and reserves.
  const rui = await signedIn(browser, people.requester);
  await rui.goto('/lines/WAe009-A');
  await rui.getByRole('link', { name: 'Request this line' }).click();
  await rui.getByLabel(new RegExp(`^${batch}`)).check();
  await rui.getByLabel('Vials', { exact: true }).fill('2');
  await rui.getByRole('button', { name: 'Add to request' }).click();
  await expect(rui.getByRole('status')).toHaveText('Added to your request.');
  const requestId = new URL(rui.url()).pathname.split('/').pop()!;
  await rui.getByLabel('Project title', { exact: true }).fill('Neural differentiation');
  await rui.getByLabel('Ethics approval reference', { exact: true }).fill('IRB-2026-077');
  await rui.getByLabel('Contact phone', { exact: true }).fill('+86 21 1234 5678');
  await rui.getByLabel('Institutional official (name)', { exact: true }).fill('Prof. Chen');
  await rui.getByLabel('Institutional official (email)', { exact: true }).fill(`official-bank-${stamp}@example.org`);
  await rui.getByLabel('Purpose of use', { exact: true }).fill('Differentiate neurons for a disease model');
  await rui.getByLabel('Shipping address', { exact: true }).fill('2 Science Road, Shanghai');
  await rui.getByLabel('Institution', { exact: true }).fill('Example Institute');
  await rui.getByRole('checkbox', { name: /^I accept / }).check();
  await rui.getByRole('button', { name: 'Submit the request' }).click();
  await expect(rui.getByRole('region', { name: 'Where it stands' })).toContainText('Submitted');

  // The institutional official confirms through the mailed link (the local portal lists mail at /dev/mail).
  const official = await (await browser.newContext()).newPage();
  await official.goto('/dev/mail');
  const mail = official.getByRole('article', { name: new RegExp(`official-bank-${stamp}@example\\.org`) });
  const link = new URL(
    (await mail
      .getByRole('link', { name: /confirm-request/ })
      .first()
      .getAttribute('href'))!,
  );
  await official.goto(`${link.pathname}${link.search}`);
  await official.getByRole('button', { name: 'Confirm for my institution' }).click();
  await expect(official.getByRole('status')).toContainText('the confirmation is recorded');

  await ai.goto(`/staff/requests/${requestId}`);
  await ai.getByRole('button', { name: 'Start review' }).click();
  for (const check of [
    'Agreement accepted (current version)',
    'Ethics approval reference present',
    'Terms of use respected',
    'Clinical grade only for clinical use',
    'Institutional official confirmed this version of the request',
  ])
    await ai.getByLabel(check).check();
  await ai.getByRole('button', { name: 'Save checklist' }).click();
  await ai.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await ai.getByRole('button', { name: 'Approve (sign)' }).click();
  await ai.getByRole('button', { name: 'Reserve vials' }).click();
  await expect(ai.getByRole('region', { name: 'Where it stands' })).toContainText('Vials reserved');
  await ai.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await ai.getByRole('button', { name: 'Release with CoA (sign)' }).click();
  await expect(ai.getByRole('region', { name: 'Where it stands' })).toContainText('Released');

  // Staff B picks: unit, rack, box, position; a wrong label is refused, the right ones accepted.
  const bin = await signedIn(browser, people.staffB);
  await bin.goto(`/staff/picking/${requestId}`);
  await bin.getByRole('button', { name: 'Pick list and label check' }).click();
  const pickList = bin.getByTestId('pick-list');
  await expect(pickList.locator('tbody tr')).toHaveCount(2);
  await expect(pickList).toContainText(`${unit} (Liquid nitrogen tank)`);
  await expect(pickList).toContainText('B1');
  const picked = await pickList
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-label')!));
  const wrong = [1, 2, 3].map((n) => `${batch}-V000${n}`).find((l) => !picked.includes(l))!;
  await expectAxeClean(bin, 'the pick list');
  await bin.getByLabel('Scan or type the label', { exact: true }).fill(wrong);
  await bin.getByLabel('Scan or type the label', { exact: true }).press('Enter');
  await expect(bin.getByTestId('scan-result')).toHaveText(`Refused: ${wrong} is not on this pick list.`);
  for (const label of picked) {
    await bin.getByLabel('Scan or type the label', { exact: true }).fill(label);
    await bin.getByRole('button', { name: 'Check the label' }).click();
    await expect(bin.getByTestId('scan-result')).toHaveText(`Label ${label} matches the pick list.`);
  }
  await expect(bin.getByText('Every vial is confirmed: the outbound can be signed.')).toBeVisible();

  // Staff B prepares the outbound record as operator; staff A, the reviewer, signs it and the picked vials leave.
  await bin.goto(`/staff/requests/${requestId}`);
  await bin.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await bin.getByRole('button', { name: 'Prepare the outbound record as operator (sign)' }).click();
  await expect(bin.getByText('You prepared this outbound record: a second staff member must review it.')).toBeVisible();
  await ai.goto(`/staff/requests/${requestId}`);
  await ai.getByLabel('Your password (signature)', { exact: true }).fill(PASSWORD);
  await ai.getByRole('button', { name: 'Review the outbound record (sign): the vials leave' }).click();
  await expect(ai.getByRole('region', { name: 'Outbound record (出库)' })).toContainText('Ai Operator');

  // The timeline shows every step, with signatures.
  await bin.goto(`/staff/batches/${batch}/record`);
  const timeline = bin.getByTestId('bank-timeline');
  for (const step of [
    'Receipt into the bank',
    'Deviation',
    'Deviation assessed',
    'Intake testing',
    'Storage',
    'Release testing',
    'Reservation',
    'Outbound',
  ])
    await expect(timeline).toContainText(step);
  await expect(timeline).toContainText('Ai Operator (executed');
  await expect(timeline).toContainText('Bin Reviewer (reviewed');
  await expect(bin.getByTestId('retention')).toContainText('30 years');
});
