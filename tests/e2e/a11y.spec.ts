/**
 * Automated accessibility checks (axe-core) of the public pages: no serious or
 * critical violation. Add a page by adding its path to `pages`.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

const pages = [
  '/',
  '/zh/',
  '/search',
  '/search?q=parkinson&category=ipsc',
  '/zh/search?q=%E5%B8%95%E9%87%91%E6%A3%AE',
  '/sign-in',
  '/register',
  '/lines/WAe009-A',
  '/lines/DEMOi001-A',
  '/zh/lines/WAe009-A',
  '/batches/MCB25-00101',
  '/batches/MCB25-00101/coa',
  '/statistics',
  '/clinical',
  '/clinical?source=hESC&phase=I',
  '/about/data-sources',
  '/search?q=kardiomiopathy',
  '/zh/search?q=%E5%A5%B3%E6%80%A7%20%E8%AF%B1%E5%AF%BC%E5%A4%9A%E8%83%BD%E5%B9%B2%E7%BB%86%E8%83%9E',
  '/batches/DL24-00113',
  '/lines/HPSI1213i-nekd_1',
  '/compare',
  '/compare?lines=WAe009-A&lines=WAe001-A&lines=KOLF2.1J&lines=DEMOi001-A',
  '/zh/compare?lines=WAe009-A&lines=DEMOi001-A',
  '/zh/batches/MCB25-00101',
];

for (const path of pages) {
  test(`a11y: ${path} has no serious or critical violations`, async ({ page }) => {
    await page.goto(path);
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
      `axe violations on ${path}`,
    ).toEqual([]);
  });
}
