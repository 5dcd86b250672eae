/**
 * The researcher's catalog end to end: a phone at 390 px, zero results,
 * query words read as filters, the language switch after filtering, long
 * facets, and availability that follows the stock.
 */
import { expect, test } from '@playwright/test';

const hydrated = (page: import('@playwright/test').Page) =>
  page.locator('astro-island:not([ssr])').first().waitFor({ state: 'attached' });

test.describe('on a phone (390 px)', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('finds a line with the filters folded away, opens its batch, and sees the vials', async ({ page }) => {
    await page.goto('/search');
    await hydrated(page);
    const panel = page.locator('details.facets-panel');
    await expect(panel, 'filters are folded on a phone').not.toHaveAttribute('open', '');
    await page.getByRole('searchbox', { name: 'Search lines and batches' }).fill('WA01');
    const link = page.getByRole('link', { name: 'WAe001-A', exact: true });
    await expect(link).toBeVisible();
    const box = await link.boundingBox();
    expect(box!.y, 'the first result is on the first screen').toBeLessThan(844);

    // A filter counts in the folded panel's summary.
    await panel.locator('summary').click();
    await page.getByRole('group', { name: 'Cell type' }).getByRole('checkbox', { name: /hESC/ }).check();
    await expect(panel.locator('summary')).toContainText('1 active');

    await link.click();
    await expect(page.getByRole('heading', { level: 1, name: 'WAe001-A' })).toBeVisible();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'MCB25-00101' }) });
    // Within the 390 px width, not in a column scrolled off to the right.
    for (const cell of [row.locator('td.vials'), row.getByRole('link', { name: /Certificate/ })]) {
      await expect(cell).toBeVisible();
      const b = (await cell.boundingBox())!;
      expect(b.x, 'starts on screen').toBeGreaterThanOrEqual(0);
      expect(b.x + b.width, 'ends on screen').toBeLessThanOrEqual(390);
    }
    await expect(row.locator('td.vials')).toHaveText(/Vials available|\d/);
    await row.getByRole('link', { name: 'MCB25-00101', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: /Batch MCB25-00101/ })).toBeVisible();
    const vialsField = page.locator('.fields div').filter({ hasText: 'Vials available' });
    await expect(vialsField).toBeInViewport();
    await expect(vialsField.locator('dd')).toHaveText(/^\d+$/);
  });
});

test.describe('search answers', () => {
  test('zero results say so, drop the empty filters and CSV link, suggest a spelling and link other registries', async ({
    page,
  }) => {
    await page.goto('/search?q=kardiomiopathy');
    await hydrated(page);
    await expect(page.getByText('No line matches “kardiomiopathy”.')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Filters' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: /Download these results/ })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'hPSCreg' })).toHaveAttribute(
      'href',
      'https://hpscreg.eu/search?q=kardiomiopathy',
    );
    await expect(page.getByRole('link', { name: 'Cellosaurus' })).toHaveAttribute(
      'href',
      'https://www.cellosaurus.org/search?query=kardiomiopathy',
    );
    await page.getByRole('link', { name: 'Cardiomyopathy' }).click();
    await expect(page).toHaveURL(/q=Cardiomyopathy/);
    await expect(page.getByRole('heading', { level: 2, name: /lines?$/ })).not.toHaveText(/^0/);
  });

  test('words naming facet values are shown as filters, and can be searched as typed instead', async ({ page }) => {
    await page.goto('/zh/search');
    await hydrated(page);
    await page.getByRole('searchbox').fill('女性 诱导多能干细胞');
    await expect(page.locator('.understood')).toContainText('供者性别');
    await page.locator('.understood a').click();
    await expect(page).toHaveURL(/literal=1/);
    await expect(page.locator('.understood')).toHaveCount(0);
  });

  test('switching language keeps filters added after the page loaded', async ({ page }) => {
    await page.goto('/search');
    await hydrated(page);
    await page.getByRole('group', { name: 'Cell type' }).getByRole('checkbox', { name: /hESC/ }).check();
    await expect(page).toHaveURL(/category=hesc/);
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: '中文' }).click();
    await expect(page).toHaveURL(/\/zh\/search\?category=hesc$/);
    await expect(
      page.getByRole('group', { name: '细胞类型' }).getByRole('checkbox', { name: /胚胎干细胞/ }),
    ).toBeChecked();
  });

  test('a bad parameter in a shared link is named in words, on the page and after the island searches again', async ({
    page,
  }) => {
    await page.goto('/search?grade=platinum&category=hesc');
    await hydrated(page);
    await expect(page.getByRole('alert')).toContainText('Batch grade (grade)');
    await expect(
      page.getByRole('heading', { level: 2, name: /^4 lines$/ }),
      'the rest of the link still applies',
    ).toBeVisible();
    // The island searches from the cleaned address: a filter change works, and Back to the shared link is handled too.
    await page.getByRole('group', { name: 'Cell type' }).getByRole('checkbox', { name: /MSC/ }).check();
    await expect(page).toHaveURL(/category=msc/);
    await expect(page).not.toHaveURL(/grade=platinum/);
    await page.goBack();
    await expect(page.locator('.results').getByRole('alert'), 'the island says it too').toContainText(
      'Batch grade (grade)',
    );
    await expect(page.getByText('Search is unavailable')).toHaveCount(0);
    await expect(page.getByRole('heading', { level: 2, name: /^4 lines$/ })).toBeVisible();
  });

  test('rows show what distinguishes lines, and Chinese pages show controlled values in Chinese', async ({ page }) => {
    await page.goto('/search?q=HPSI1113i-eofe_1');
    const row = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name: 'HPSI1113i-eofe_1', exact: true }) });
    await expect(row.locator('.facts')).toHaveText('Female · aged 45-49');
    await page.goto('/zh/search?q=%E5%B8%95%E9%87%91%E6%A3%AE%E7%97%85');
    await expect(page.getByRole('group', { name: '疾病' }).getByText('帕金森病')).toBeVisible();
    await page.goto('/zh/batches/MCB25-00101');
    await expect(page.getByRole('rowheader', { name: '支原体' })).toBeVisible();
    await expect(page.getByText('台盼蓝拒染法')).toBeVisible();
  });

  test('a long gene facet can show all its values', async ({ page }) => {
    await page.goto('/search');
    const genes = page.getByRole('group', { name: 'Gene' });
    const more = genes.locator('details.more-values');
    await expect(more.locator('summary')).toHaveText(/Show all \d+ values/);
    const total = Number((await more.locator('summary').textContent())!.match(/\d+/)![0]);
    await more.locator('summary').click();
    await expect(genes.getByRole('checkbox')).toHaveCount(total);
  });
});

test.describe('availability follows the stock', () => {
  test('a quarantined batch never says its vials are available, and its line is in quality control', async ({
    page,
  }) => {
    await page.goto('/batches/DL24-00113');
    const field = page.locator('.fields div').filter({ hasText: 'Vials available' });
    await expect(field.locator('dd')).toHaveText(/not released/);
    await expect(page.getByText('58')).toHaveCount(0);
  });

  test('a line with no vials offers no "Request this line", and says what is true', async ({ page }) => {
    await page.goto('/lines/HPSI1213i-nekd_1');
    await expect(page.getByRole('link', { name: 'Request this line' })).toHaveCount(0);
    await expect(page.locator('.availability-status')).toContainText('On request');
    await expect(page.getByRole('link', { name: 'Ask about this line' })).toBeVisible();
  });
});

test.describe('compare and cite', () => {
  test('pick lines in search results, compare them side by side, and share the address', async ({ page }) => {
    await page.goto('/search?category=hesc');
    await hydrated(page);
    await page.getByRole('checkbox', { name: 'Compare WAe009-A' }).check();
    await page.getByRole('checkbox', { name: 'Compare WAe001-A' }).check();
    await page.getByRole('link', { name: 'Compare selected (2)' }).click();
    await expect(page).toHaveURL(/\/compare\?lines=WAe009-A&lines=WAe001-A$/);
    const table = page.getByRole('table');
    await expect(table.getByRole('columnheader', { name: /WAe009-A/ })).toBeVisible();
    await expect(table.getByRole('rowheader', { name: 'Availability' })).toBeVisible();
    // Add a third by a synonym, without JavaScript needed: a GET form.
    await page.getByRole('textbox', { name: 'Add a line' }).fill('KOLF2.1J');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect(page).toHaveURL(/lines=WAe009-A&lines=WAe001-A&lines=KOLF2.1J/);
    await expect(table.getByRole('columnheader')).toHaveCount(3);
    await page.getByRole('link', { name: 'Remove WAe001-A from the comparison' }).click();
    await expect(table.getByRole('columnheader')).toHaveCount(2);
  });

  test('a line page gives a citation with its RRID, and RIS/BibTeX downloads', async ({ page, request }) => {
    await page.goto('/lines/WAe009-A');
    await expect(page.locator('#citation-text')).toContainText('WAe009-A (RRID:CVCL_9773)');
    await expect(page.getByRole('button', { name: 'Copy citation' })).toBeVisible();
    const ris = await request.get('/api/v1/lines/WAe009-A/citation.ris');
    expect(ris.headers()['content-type']).toContain('application/x-research-info-systems');
    expect(await ris.text()).toContain('ID  - RRID:CVCL_9773');
    const bib = await request.get('/api/v1/lines/WA09/citation.bib', { maxRedirects: 0 });
    expect(bib.status(), 'a synonym redirects to the standard name').toBe(308);
    expect(bib.headers().location).toBe('/api/v1/lines/WAe009-A/citation.bib');
  });
});
