import { expect, test, type Page } from '@playwright/test';

const PASSWORD = 'violet tram under Xian rain';
const NEW_PASSWORD = 'orange ferry past Pudong fog';

/** The newest link to `path` in the mail to `email`, read from /dev/mail (the e2e portal runs with NODE_ENV=test). */
async function linkFromMail(page: Page, email: string, path: string): Promise<string> {
  await page.goto('/dev/mail');
  const mail = page.getByRole('article').filter({ hasText: email }).first();
  await expect(mail, `a mail to ${email} is in the outbox`).toBeVisible();
  return (await mail.getByRole('link').filter({ hasText: path }).first().getAttribute('href'))!;
}

test.describe('accounts', () => {
  test('register, verify by mail, sign in, change password, sign out', async ({ page }) => {
    const email = `e2e-${Date.now()}@example.org`;
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });

    await page.goto('/register');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('password1234');
    await page.getByLabel('Name').fill('Erin Example');
    await page.getByLabel('Institution').fill('Example Institute');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(
      page.getByText('This password is too common: choose another.'),
      'a common password is refused next to its field',
    ).toBeVisible();
    await expect(page.getByLabel('Email'), 'the email typed is kept').toHaveValue(email);
    await expect(page.getByLabel('Institution')).toHaveValue('Example Institute');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('status')).toHaveText('Check your email: we have sent a link to confirm your address.');

    await page.goto(await linkFromMail(page, email, '/verify-email'));
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await expect(page.getByRole('status')).toHaveText('Your email address is confirmed. You can sign in now.');

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page, 'signing in leads to the account page').toHaveURL(/\/account$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Account' }).getByText('Erin Example')).toBeVisible();

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('status')).toHaveText('Password changed. Every other session has been signed out.');
    await expect(page.getByText('this browser'), 'the browser keeps a fresh session').toBeVisible();

    await page.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Sign out' }).click();
    await expect(
      page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign in' }),
      'signed out',
    ).toBeVisible();
    await page.goto('/account');
    await expect(page, 'the account page asks to sign in again').toHaveURL(/\/sign-in\?next=%2Faccount$/);

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert'), 'the old password no longer works').toHaveText('Email or password is wrong.');
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page, 'the new one does, and the return path is kept').toHaveURL(/\/account$/);
    expect(cspViolations, 'no Content Security Policy violations').toEqual([]);
  });

  test('the forms work in Chinese under /zh', async ({ page }) => {
    await page.goto('/zh/sign-in');
    await page.getByLabel('电子邮箱').fill('nobody@example.org');
    await page.getByLabel('密码').fill('not the password');
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page.getByRole('alert')).toHaveText('电子邮箱或密码错误。');
    await expect(page).toHaveURL(/\/zh\/sign-in/);
  });
});
