import { expect, test } from '@playwright/test';

test.describe('catalog read pages', () => {
  test('a line page shows its record, batches with QC, and leads to a certificate of analysis', async ({ page }) => {
    await page.goto('/lines/WAe009-A');
    await expect(page.getByRole('heading', { level: 1, name: 'WAe009-A' })).toBeVisible();
    await expect(
      page.getByText('Source: hPSCreg and Cellosaurus public records'),
      'the record is attributed',
    ).toBeVisible();
    await expect(page.getByRole('link', { name: 'CVCL_9773' }), 'Cellosaurus id links out').toHaveAttribute(
      'href',
      'https://www.cellosaurus.org/CVCL_9773',
    );
    await expect(page.getByRole('link', { name: 'Request this line' })).toHaveAttribute(
      'href',
      '/account/requests/new?line=WAe009-A',
    );

    const batches = page.getByRole('region', { name: 'Batches' }).getByRole('table');
    await expect(batches.getByRole('columnheader', { name: 'Grade' })).toBeVisible();
    const firstBatch = batches.getByRole('rowheader').first();
    await expect(firstBatch.getByText('Demonstration data'), 'demo batches are marked').toBeVisible();
    const number = (await firstBatch.getByRole('link').textContent())!.trim();
    await batches
      .getByText(/of \d+ passed/)
      .first()
      .click();
    await expect(
      batches.getByText(/Mycoplasma: Not detected/).first(),
      'QC results unfold without leaving the page',
    ).toBeVisible();

    await batches.getByRole('link', { name: `Certificate of analysis for batch ${number}` }).click();
    await expect(page).toHaveURL(new RegExp(`/batches/${number}/coa$`));
    await expect(page.getByRole('heading', { level: 1, name: 'Certificate of analysis' })).toBeVisible();
    await expect(
      page.getByText('Demonstration data – not a real certificate').first(),
      'a demo certificate says it is not real',
    ).toBeVisible();
    await expect(page.getByRole('columnheader', { name: 'Reviewed by' })).toBeVisible();
    await page.emulateMedia({ media: 'print' });
    await expect(page.getByRole('banner'), 'print hides the site header').toBeHidden();
  });

  test('a batch page shows QC results, grade, release status, availability and its line', async ({ page }) => {
    await page.goto('/batches/MCB25-00101');
    await expect(page.getByRole('heading', { level: 1, name: /Batch MCB25-00101/ })).toBeVisible();
    await expect(page.getByText('Demonstration data').first()).toBeVisible();
    await expect(page.getByText('Research grade')).toBeVisible();
    await expect(page.getByText('Released', { exact: true })).toBeVisible();
    await expect(page.getByText('Vials available')).toBeVisible();
    const qc = page.getByRole('table');
    await expect(qc.getByRole('rowheader', { name: 'Mycoplasma' }), 'QC rows are named by test').toBeVisible();
    await expect(qc.getByRole('row')).toHaveCount(1 + 7);
    await page.getByRole('link', { name: 'WAe001-A' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'WAe001-A' })).toBeVisible();
  });

  test('statistics draws server-side SVG bar charts with the numbers in tables', async ({ page }) => {
    await page.goto('/statistics');
    await expect(page.getByRole('heading', { level: 1, name: 'Catalog statistics' })).toBeVisible();
    const chart = page.getByRole('img', { name: 'Lines by category' });
    await expect(chart, 'the chart is an accessible image').toBeVisible();
    await expect(chart.locator('rect'), 'one bar per category').toHaveCount(5);
    await expect(page.getByRole('img', { name: 'Batches by grade' })).toBeVisible();
    const table = page.getByRole('region', { name: 'Lines by category' }).getByRole('table');
    await expect(table.getByRole('row', { name: /iPSC 480/ }), 'the numbers are there as text').toBeVisible();
  });

  test('clinical products: the GET form narrows the table and keeps the state in the URL', async ({ page }) => {
    await page.goto('/clinical');
    await expect(page.getByText('Transcribed from the review in the bank’s source documents')).toBeVisible();
    const rows = page.getByRole('table').getByRole('row');
    const all = await rows.count();
    expect(all, 'the whole table: 105 products and a header').toBe(106);
    await page.getByLabel('Source cells').selectOption('hESC');
    await page.getByLabel('Indication').fill('macular');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/source=hESC/);
    await expect(page).toHaveURL(/indication=macular/);
    const narrowed = await rows.count();
    expect(narrowed, 'filters narrow the table').toBeLessThan(all);
    expect(narrowed).toBeGreaterThan(1);
    for (const cell of await page.getByRole('table').locator('tbody td:nth-child(3)').allTextContents())
      expect(cell).toBe('hESC');
    await expect(
      page
        .getByRole('table')
        .getByRole('link', { name: /NCT\d+ in ClinicalTrials\.gov/ })
        .first(),
    ).toHaveAttribute('href', /clinicaltrials\.gov\/study\/NCT/);
  });

  test('/zh/lines/WAe009-A is in Chinese', async ({ page }) => {
    await page.goto('/zh/lines/WAe009-A');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.getByRole('heading', { level: 2, name: '批次' })).toBeVisible();
    await expect(page.getByRole('link', { name: '申请此细胞系' })).toBeVisible();
    await expect(page.getByText('来源：hPSCreg and Cellosaurus public records', { exact: false })).toBeVisible();
  });

  test('synonyms redirect to the standard name, keeping the language', async ({ page, request }) => {
    const res = await request.get('/lines/WA09', { maxRedirects: 0 });
    expect([301, 308], 'a permanent redirect').toContain(res.status());
    expect(res.headers().location).toMatch(/\/lines\/WAe009-A$/);
    await page.goto('/zh/lines/wa09');
    await expect(page).toHaveURL(/\/zh\/lines\/WAe009-A$/);
    await expect(page.getByRole('heading', { level: 1, name: 'WAe009-A' })).toBeVisible();
  });

  test('an unknown line is a bilingual 404', async ({ page }) => {
    const en = await page.goto('/lines/NO-SUCH-LINE');
    expect(en?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Search the catalog for “NO-SUCH-LINE”' })).toBeVisible();
    const zh = await page.goto('/zh/lines/NO-SUCH-LINE');
    expect(zh?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: '页面不存在' })).toBeVisible();
  });

  test('the JSON API answers, redirects variants and never leaks staff-only fields', async ({ request }) => {
    const line = await request.get('/api/v1/lines/WAe009-A');
    expect(line.status()).toBe(200);
    const body = await line.json();
    expect(body).toMatchObject({ name: 'WAe009-A', category: 'hesc' });
    for (const key of ['record', 'recordDigest', 'storageLocation', 'code', 'donorId'])
      expect(JSON.stringify(body), key).not.toContain(`"${key}"`);
    const moved = await request.get('/api/v1/lines/h9', { maxRedirects: 0 });
    expect(moved.status()).toBe(308);
    const missing = await request.get('/api/v1/lines/nothing');
    expect(missing.status()).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });
});
