/**
 * `npm run user:create -- --email E --role staff|admin [--name N] [--password-stdin]`
 *
 * Creates an active account from the shell, in the database `npm start` uses
 * (DATABASE_URL, or the embedded server of DATA_DIR: joined while the portal
 * runs, started briefly otherwise). The password is prompted without echo,
 * or read from standard input with --password-stdin (for scripts).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createDatabase, createPool } from '#db/client.ts';
import { roles } from '#db/schema/accounts.ts';
import { runMigrations } from '#db/migrate.ts';
import { emailField, newPasswordField } from '#lib/account-inputs.ts';
import { createAccount } from '#server/accounts/accounts.ts';
import { en } from '#i18n/messages/index.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { fail, info } from './lib/log.ts';

const argsSchema = z.object({
  email: emailField,
  role: z.enum(roles, `must be ${roles.join(', ')}`),
  name: z.string().trim().min(1).max(120).optional(),
});

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) fail('no terminal to ask for the password: pass --password-stdin and pipe it in');
  process.stdout.write(question);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  process.stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let typed = '';
    const onData = (key: string) => {
      for (const ch of key) {
        if (ch === '\r' || ch === '\n') {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off('data', onData);
          process.stdout.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') process.exit(130); // Ctrl-C
        if (ch === '\u007f') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    process.stdin.on('data', onData);
  });
}

/** Zod messages here are message keys of the web forms: show their English text. */
const explain = (message: string) => (message in en ? en[message as keyof typeof en] : message);

async function main() {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
    },
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`--${issue.path.join('.')} ${explain(issue.message)}`);
  }
  const { email, role } = parsed.data;

  let password: string;
  if (values['password-stdin']) {
    password = await readStdin();
  } else {
    password = await promptHidden(`Password for ${email}: `);
    if ((await promptHidden('Repeat it: ')) !== password) fail('the two passwords differ');
  }
  const checked = newPasswordField.safeParse(password);
  if (!checked.success) fail(`password: ${explain(checked.error.issues[0]!.message)}`);

  const config = loadConfigOrExit();
  const services = await connectServices(config, { needSearch: false, log: info });
  const pool = createPool(services.ownerUrl, { max: 2 });
  try {
    await runMigrations(pool);
    const db = createDatabase(pool);
    const account = await db.transaction((tx) =>
      createAccount(
        tx,
        { email, password, displayName: parsed.data.name ?? email.split('@')[0]!, role, status: 'active' },
        'cli:user-create',
      ),
    );
    if (!account) throw new Error(`an account with the email ${email} already exists`);
    info(`created ${role} account ${email} (${account.id})`);
  } finally {
    await pool.end();
    await services.stop();
  }
}

main().catch((error) => fail((error as Error).message));
