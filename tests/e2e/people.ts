/**
 * People for the end-to-end walks that need several accounts: created from
 * the shell as a bank's administrator does (`npm run user:create`), each
 * signed in in a browser of its own, and the axe check every page of theirs
 * must pass. Shared by the request-chain and bank specs.
 */
import { spawnSync } from 'node:child_process';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type Page } from '@playwright/test';

export interface Person {
  email: string;
  name: string;
  role: 'requester' | 'staff' | 'admin';
}

export function createAccount(p: Person, password: string) {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/create-user.ts',
      '--email',
      p.email,
      '--role',
      p.role,
      '--name',
      p.name,
      '--password-stdin',
    ],
    {
      input: `${password}\n`,
      env: {
        ...process.env,
        DATA_DIR: process.env.E2E_DATA_DIR,
        DATABASE_URL: '',
        MEILI_URL: '',
        MEILI_MASTER_KEY: '',
      },
      encoding: 'utf8',
    },
  );
  expect(r.status, `user:create ${p.email}: ${r.stderr}`).toBe(0);
}

export async function signedIn(browser: Browser, who: Person, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Account' }).getByText(who.name)).toBeVisible();
  return page;
}

export async function expectAxeClean(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `axe on ${what}`,
  ).toEqual([]);
}
