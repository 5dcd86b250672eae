import { expect, test } from '@playwright/test';

test.describe('search', () => {
  test('search as you type, filter by a facet, open a line, and Back restores the results', async ({ page }) => {
    await page.goto('/search');
    await page.locator('astro-island:not([ssr])').first().waitFor({ state: 'attached' });
    const box = page.getByRole('searchbox', { name: 'Search lines and batches' });
    await box.fill('parkinsn');
    await expect(page, 'typing updates the URL without a submit').toHaveURL(/[?&]q=parkinsn/);
    await expect(
      page.getByRole('link', { name: 'DEMOi001-A', exact: true }),
      'the typo still finds the Parkinson line',
    ).toBeVisible();

    await box.fill('');
    await expect(page).not.toHaveURL(/q=parkinsn/);
    await page.getByRole('group', { name: 'Cell type' }).getByRole('checkbox', { name: /hESC/ }).check();
    await expect(page, 'the filter goes into the URL').toHaveURL(/category=hesc/);
    await expect(page.getByRole('heading', { level: 2, name: /^4 lines$/ }), 'four public hES lines').toBeVisible();

    await page.getByRole('link', { name: 'WAe009-A', exact: true }).click();
    await expect(page).toHaveURL(/\/lines\/WAe009-A$/);
    await page.goBack();
    await expect(page).toHaveURL(/category=hesc/);
    await expect(
      page.getByRole('heading', { level: 2, name: /^4 lines$/ }),
      'Back shows the filtered results again',
    ).toBeVisible();
    await expect(page.getByRole('group', { name: 'Cell type' }).getByRole('checkbox', { name: /hESC/ })).toBeChecked();
  });

  test('a bad parameter is dropped and named, by the page on load and by the island on Back', async ({ page }) => {
    await page.goto('/search?category=hesc&grade=bogus');
    await expect(page.getByRole('alert'), 'the page names what it ignored').toContainText('(grade)');
    await expect(
      page.getByRole('heading', { level: 2, name: /^4 lines$/ }),
      'the rest of the link stands',
    ).toBeVisible();
    await page.locator('astro-island:not([ssr])').first().waitFor({ state: 'attached' });
    await page.getByRole('group', { name: 'Cell type' }).getByRole('checkbox', { name: /hESC/ }).uncheck();
    await expect(page).not.toHaveURL(/category=hesc/);
    await expect(page, 'the island went on from the address without it').not.toHaveURL(/grade=/);
    // An address with a bad value reached through the history: the island drops it the same way.
    await page.evaluate(() => {
      history.pushState(null, '', '/search?sort=nonsense&category=hesc');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    await expect(page.getByRole('alert').filter({ hasText: 'the sort order' })).toBeVisible();
    await expect(page).toHaveURL(/\/search\?category=hesc$/);
    await expect(page.getByRole('heading', { level: 2, name: /^4 lines$/ })).toBeVisible();
  });

  test('Back after a filter change returns to the unfiltered results', async ({ page }) => {
    await page.goto('/search?q=ipsc');
    await page.locator('astro-island:not([ssr])').first().waitFor({ state: 'attached' });
    const heading = page.locator('#results-heading');
    const before = await heading.textContent();
    await page
      .getByRole('group', { name: 'Availability' })
      .getByRole('checkbox', { name: /Available now/ })
      .check();
    await expect(heading).not.toHaveText(before!);
    await page.goBack();
    await expect(page).toHaveURL(/\?q=ipsc$/);
    await expect(heading, 'the previous count is back').toHaveText(before!);
  });

  test('a copied link reproduces the view, in Chinese too, and the language switch keeps it', async ({ page }) => {
    await page.goto('/search?q=%E5%B8%95%E9%87%91%E6%A3%AE&category=ipsc');
    await expect(page.getByRole('link', { name: 'DEMOi001-A', exact: true })).toBeVisible();
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: '中文' }).click();
    await expect(page).toHaveURL(/\/zh\/search\?q=%E5%B8%95%E9%87%91%E6%A3%AE&category=ipsc$/);
    await expect(page.getByRole('heading', { level: 1, name: '检索目录' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'DEMOi001-A', exact: true }), 'same results in Chinese').toBeVisible();
    await expect(
      page.getByRole('group', { name: '细胞类型' }).getByRole('checkbox', { name: /诱导多能干细胞/ }),
    ).toBeChecked();
  });

  test('an identifier goes straight to its line, marked as an exact match', async ({ page }) => {
    await page.goto('/search?q=WA09');
    const first = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { level: 3 }) })
      .first();
    await expect(first.getByRole('link', { name: 'WAe009-A' })).toBeVisible();
    await expect(first.getByText('Exact identifier match')).toBeVisible();
  });
});

test.describe('search without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the form, facets and pagination work as plain HTML', async ({ page }) => {
    await page.goto('/search');
    await page.getByRole('searchbox', { name: 'Search lines and batches' }).fill('HPSI');
    await page.getByRole('button', { name: 'Search', exact: true }).first().click();
    await expect(page).toHaveURL(/q=HPSI/);
    await expect(page.getByRole('heading', { level: 2, name: /lines$/ })).toBeVisible();
    await page
      .getByRole('group', { name: 'Donor sex' })
      .getByRole('checkbox', { name: /Female/ })
      .check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page, 'the checkbox submitted as a filter').toHaveURL(/sex=female/);
    await page.getByRole('navigation', { name: 'Result pages' }).getByRole('link', { name: 'Next' }).click();
    await expect(page).toHaveURL(/page=2/);
    await expect(page.getByText(/Page 2 of/)).toBeVisible();
  });
});

test.describe('search API', () => {
  test('answers JSON with facets named like their filters, 400 naming a bad parameter', async ({ request }) => {
    const ok = await request.get('/api/v1/search?q=ipsc&category=ipsc&per_page=2');
    expect(ok.status()).toBe(200);
    const body = await ok.json();
    expect(body).toMatchObject({ page: 1, per_page: 2 });
    expect(Object.keys(body.facets)).toEqual(expect.arrayContaining(['category', 'disease', 'grade', 'availability']));
    expect(body.hits[0]).not.toHaveProperty('storage_location');
    const bad = await request.get('/api/v1/search?grade=platinum');
    expect(bad.status()).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_parameter', parameter: 'grade' });
    const csv = await request.get('/api/v1/search.csv?category=hesc');
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(5);
  });
});
