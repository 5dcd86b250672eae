import { expect, test } from '@playwright/test';

test.describe('home page', () => {
  test('shows the portal name, a search box and the navigation', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Stem Cell Resource Portal' })).toBeVisible();
    await expect(page.getByRole('searchbox', { name: 'Search lines and batches' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' })).toHaveAttribute(
      'aria-current',
      'page',
    );
  });

  test('the search box island hydrates: typing shows a hint and a clear button that works', async ({ page }) => {
    await page.goto('/');
    const box = page.getByRole('searchbox', { name: 'Search lines and batches' });
    // Wait for hydration: the island's clear button only exists once Svelte runs.
    await page.locator('astro-island:not([ssr])').waitFor({ state: 'attached' });
    await box.fill('WA09');
    await expect(
      page.getByText('Press Enter to search for “WA09”'),
      'the live hint comes from the island',
    ).toBeVisible();
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect(box, 'clear empties the box').toHaveValue('');
    await expect(box, 'and gives focus back to it').toBeFocused();
    await expect(page.getByRole('button', { name: 'Clear' })).toHaveCount(0);
  });

  test('the language switch keeps the page and renders it in Chinese', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: '中文' }).click();
    await expect(page).toHaveURL(/\/zh\/$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.getByRole('heading', { level: 1, name: '干细胞资源门户' })).toBeVisible();
    await page.getByRole('navigation', { name: '语言' }).getByRole('link', { name: 'English' }).click();
    await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/$/);
  });

  test('on a page that does not exist, the language switch keeps the address asked for', async ({ page }) => {
    const res = await page.goto('/lines/NO-SUCH-LINE');
    expect(res?.status()).toBe(404);
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: '中文' }).click();
    await expect(page, 'not /zh/404').toHaveURL(/\/zh\/lines\/NO-SUCH-LINE$/);
  });

  test('health answers ok', async ({ request }) => {
    const res = await request.get('/api/health');
    expect(res.status()).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', db: 'ok', search: 'ok' });
  });
});
