/**
 * A researcher who wanted a line registers on the way to requesting it, keeps
 * that line through the verification mail, then saves a search with alerts;
 * the saved-searches page passes axe.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

const PASSWORD = 'violet tram under Xian rain';

async function linkFromMail(page: Page, email: string, path: string): Promise<string> {
  await page.goto('/dev/mail');
  const mail = page.getByRole('article').filter({ hasText: email }).first();
  await expect(mail).toBeVisible();
  return (await mail.getByRole('link').filter({ hasText: path }).first().getAttribute('href'))!;
}

test('register on the way to a line, verify, sign in at the request, then save a search with alerts', async ({
  page,
}) => {
  const email = `saved-${Date.now()}@example.org`;
  await page.goto('/lines/WAe001-A');
  await page.getByRole('link', { name: 'Request this line' }).click();
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await page.getByRole('link', { name: /Create an account|register/i }).click();
  await expect(page).toHaveURL(/\/register\?next=/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Name').fill('Sam Saved');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('status')).toContainText('Check your email');

  await page.goto(await linkFromMail(page, email, '/verify-email'));
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page).toHaveURL(/\/sign-in\?verified=1&next=/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page, 'back at the line the researcher wanted to request').toHaveURL(
    /\/account\/requests\/new\?line=WAe001-A$/,
  );

  await page.goto('/search?category=msc');
  await page.getByLabel('Name of the saved search').fill('All MSC lines');
  await page.getByRole('button', { name: 'Save this search' }).click();
  await expect(page).toHaveURL(/\/account\/saved-searches\?done=saved$/);
  await expect(page.getByRole('link', { name: 'All MSC lines' })).toHaveAttribute('href', '/search?category=msc');
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual(
    [],
  );
  await page.getByRole('button', { name: 'Turn alerts off for “All MSC lines”' }).click();
  await expect(page.getByText('Alerts off')).toBeVisible();
  await page.getByRole('button', { name: 'Delete “All MSC lines”' }).click();
  await expect(page.getByText('You have no saved searches yet.')).toBeVisible();
});
