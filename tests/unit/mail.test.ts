import { expect, test } from 'vitest';
import { redactTokens } from '#server/platform/mail.ts';

test('one-time tokens are masked in logged mail, the rest of the message stays', () => {
  const body =
    'Reset your password:\nhttps://cells.example.org/zh/reset-password?token=abc.DEF-123_x\nThe link expires in 1 hour.';
  const logged = redactTokens(body);
  expect(logged).not.toContain('abc.DEF-123_x');
  expect(logged).toContain('https://cells.example.org/zh/reset-password?token=[redacted]');
  expect(logged).toContain('The link expires in 1 hour.');
});
