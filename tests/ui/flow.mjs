// The admin console in a real browser (Debian's chromium, driven by
// playwright-core). Prints one JSON line per check; t/10-ui.t reads them.

import { chromium } from 'playwright-core';

const { BASE, ADMIN_ID, ADMIN_SECRET, RO_ID, RO_SECRET, SHOTS } = process.env;
let failed = false;

function check(ok, name, detail) {
  if (!ok) failed = true;
  console.log(JSON.stringify({ ok: !!ok, name, detail: detail ?? null }));
}

async function tokenFor(id, secret) {
  const r = await fetch(`${BASE}/oauth/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_id: id, client_secret: secret,
                           grant_type: 'client_credentials' }),
  });
  return r.ok ? (await r.json()).access_token : null;
}

async function protectedStatus(token) {
  const r = await fetch(`${BASE}/profile/x?workspaceId=20`,
                        { headers: { Authorization: `Bearer ${token}` } });
  return r.status;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (e) => check(false, 'no script error', String(e)));
  await page.goto(`${BASE}/apicred/ui/`);

  // sign in with the keyboard only
  await page.locator('#sign-in').getByLabel('Client id').focus();
  await page.keyboard.type(ADMIN_ID);
  await page.keyboard.press('Tab');
  await page.keyboard.type(ADMIN_SECRET);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Credentials', exact: true }).waitFor();
  check(true, 'signed in with the keyboard only');
  check((await page.locator('#who-text').textContent()).includes('credentials: admin'), 'shows who is signed in');

  // a validation message next to the field
  await page.getByRole('button', { name: 'New credential' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#cf-name-error').filter({ hasText: 'name' }).waitFor();
  check(true, 'an empty name is answered next to the field',
        await page.locator('#cf-name-error').textContent());

  // create with two APIs and a workspace scope
  await page.getByLabel('Name', { exact: true }).fill('ui-made');
  await page.locator('#api-profile').check();
  await page.locator('#scope-profile-workspace').check();
  await page.locator('#scope-profile-w20').check();
  await page.locator('#api-data_planning').check();
  await page.locator('#api-data_planning-perm').selectOption('user');
  await page.locator('#scope-data_planning-workspace').check();
  await page.locator('#scope-data_planning-w20').check();
  const perms = await page.locator('#api-platform-perm option').allTextContents();
  check(perms.join(',') === 'admin,user', "permissions come from the catalog", perms.join(','));
  await page.screenshot({ path: `${SHOTS}/create.png` });
  await page.getByRole('button', { name: 'Save' }).click();

  await page.getByRole('heading', { name: /Credential saved/ }).waitFor();
  const id = await page.locator('#sd-id').inputValue();
  const secret = await page.locator('#sd-secret').inputValue();
  check(/^[A-Za-z0-9_-]{43}$/.test(secret), 'the secret modal shows the secret');
  check(await page.getByText('shown this once').isVisible(), 'with a warning it will not be shown again');
  check(await page.getByRole('button', { name: 'Copy client secret' }).isVisible(), 'and copy buttons');
  await page.screenshot({ path: `${SHOTS}/secret.png` });
  await page.getByRole('button', { name: 'I have stored it' }).click();

  const token = await tokenFor(id, secret);
  check(token, 'the secret from the modal gets a token');
  check(await protectedStatus(token) === 200, 'which is allowed on workspace 20');

  const row = page.locator(`tr[data-client-id="${id}"]`);
  await row.waitFor();
  check((await row.textContent()).includes('profile: workspaces 20'), 'the list shows the scope');
  await page.screenshot({ path: `${SHOTS}/list.png` });

  // edit the scope in the page: the same token is now refused
  await page.getByRole('button', { name: 'Edit ui-made' }).click();
  await page.locator('#scope-profile-w20').uncheck();
  await page.locator('#scope-profile-w21').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#cred-dialog').waitFor({ state: 'hidden' });
  await row.filter({ hasText: 'profile: workspaces 21' }).waitFor();
  check(await protectedStatus(token) === 403, 'after the edit the same token is 403');

  // deactivate: 401
  await page.getByRole('button', { name: 'Deactivate ui-made' }).click();
  await row.filter({ hasText: 'Inactive' }).waitFor();
  check(await protectedStatus(token) === 401, 'after deactivation the token is 401');

  // the audit log
  await page.getByRole('button', { name: 'Audit log' }).click();
  await page.locator('#audit-body tr').filter({ hasText: 'credential.deactivate' }).first().waitFor();
  check(true, 'the audit log lists the changes');
  await page.getByRole('button', { name: 'Credentials', exact: true }).click();

  // delete behind a confirmation that names the credential
  await page.getByRole('button', { name: 'Delete ui-made' }).click();
  const text = await page.locator('#confirm-text').textContent();
  check(text.includes('ui-made') && text.includes(id), 'the confirmation names the credential');
  await page.getByRole('button', { name: 'Delete permanently' }).click();
  await row.waitFor({ state: 'detached' });
  check(true, 'deleted: gone from the list');

  // an API error is shown as a readable message
  await page.getByRole('button', { name: 'New credential' }).click();
  await page.getByLabel('Name', { exact: true }).fill('x');
  await page.locator('#api-platform').check();
  await page.locator('#scope-platform-account').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#cf-grants-error').filter({ hasText: /accounts/ }).waitFor();
  check(true, 'an API error appears as a readable message',
        await page.locator('#cf-grants-error').textContent());
  await page.getByRole('button', { name: 'Cancel' }).click();

  // visible focus, reached with the keyboard
  await page.locator('#f-status').focus();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => [document.activeElement.textContent,
    getComputedStyle(document.activeElement).outlineStyle]);
  check(focused[0] === 'New credential' && focused[1] !== 'none',
        'keyboard focus is visible', focused.join(' / '));

  // sign out forgets the token; a read_only caller gets no edit controls
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.locator('#sign-in').getByLabel('Client id').fill(RO_ID);
  await page.locator('#sign-in').getByLabel('Client secret').fill(RO_SECRET);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#who-text').filter({ hasText: 'credentials: read_only' }).waitFor();
  await page.locator('#creds-body tr').first().waitFor();
  check(!(await page.getByRole('button', { name: 'New credential' }).isVisible()),
        'read_only: no create button');
  check(await page.getByRole('button', { name: /^Edit / }).count() === 0,
        'read_only: no edit controls');
} catch (e) {
  check(false, 'the flow ran to the end', String(e));
} finally {
  await browser.close();
}

process.exit(failed ? 1 : 0);
