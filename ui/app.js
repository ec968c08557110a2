// API Credential Management: the admin console over apicred's admin API.

import { Api } from './api.js';

const api = new Api(new URL('../', location.href).href, '/oauth/token');
const $ = (id) => document.getElementById(id);

const state = {
  me: null, role: null, apis: [], accounts: [], workspaces: [],
  credPages: [null], credPage: 0, credNext: null,
  auditPages: [null], auditPage: 0, auditNext: null,
  editing: null,
};

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) e.append(c);
  }
  return e;
}

function showError(err) {
  const box = $('error');
  box.textContent = err ? `${err.message}` : '';
  box.hidden = !err;
}

async function guarded(fn) {
  try {
    showError(null);
    await fn();
  } catch (err) {
    showError(err);
  }
}

const canEdit = () => state.role === 'admin' || state.role === 'compliance_admin';

// --- sign in and out

$('sign-in').addEventListener('submit', (ev) => {
  ev.preventDefault();
  guarded(async () => {
    const id = $('si-id').value.trim();
    await api.signIn(id, $('si-secret').value);
    $('si-secret').value = '';
    state.me = await api.call('GET', `credentials/${encodeURIComponent(id)}`);
    const g = state.me.grants.find((x) => x.api === 'credentials');
    state.role = g ? g.permission : null;
    [state.apis, state.accounts, state.workspaces] = await Promise.all([
      api.all('apis'), api.all('accounts'), api.all('workspaces')]);
    document.body.classList.toggle('read-only', !canEdit());
    $('who-text').textContent = `${state.me.name} (credentials: ${state.role})`;
    $('who').hidden = false;
    $('sign-in').hidden = true;
    $('console').hidden = false;
    fillApiFilter();
    await loadCreds(0);
    $('show-creds').focus();
  });
});

$('sign-out').addEventListener('click', () => {
  api.signOut();
  Object.assign(state, { me: null, role: null, credPages: [null], credPage: 0 });
  $('creds-body').replaceChildren();
  $('audit-body').replaceChildren();
  $('console').hidden = true;
  $('who').hidden = true;
  $('sign-in').hidden = false;
  showError(null);
  $('si-id').focus();
});

// --- the credentials table

function fillApiFilter() {
  const sel = $('f-api');
  sel.replaceChildren(el('option', { value: '' }, 'All APIs'),
    ...state.apis.map((a) => el('option', { value: a.slug }, a.name)));
}

function grantText(g) {
  return `${g.api}: ${g.permission}`;
}

function scopeText(g) {
  if (g.accounts) return `${g.api}: accounts ${g.accounts.join(', ')}`;
  if (g.workspaces) return `${g.api}: workspaces ${g.workspaces.join(', ')}`;
  return `${g.api}: whole org`;
}

function lines(list) {
  return list.length ? list.map((t) => el('div', {}, t)) : ['—'];
}

function credRow(c) {
  const actions = canEdit() ? el('td', { class: 'actions edit-control' },
    el('button', { type: 'button', onclick: () => openEditor(c),
                   'aria-label': `Edit ${c.name}` }, 'Edit'),
    el('button', { type: 'button', onclick: () => toggle(c),
                   'aria-label': `${c.active ? 'Deactivate' : 'Activate'} ${c.name}` },
       c.active ? 'Deactivate' : 'Activate'),
    el('button', { type: 'button', onclick: () => rotate(c),
                   'aria-label': `Issue a new secret for ${c.name}` }, 'New secret'),
    el('button', { type: 'button', class: 'danger', onclick: () => confirmDelete(c),
                   'aria-label': `Delete ${c.name}` }, 'Delete')) : null;

  return el('tr', { 'data-client-id': c.client_id },
    el('td', {}, c.name),
    el('td', {}, el('code', {}, c.client_id)),
    el('td', {}, ...lines(c.grants.map(grantText))),
    el('td', {}, ...lines(c.grants.map(scopeText))),
    el('td', { class: c.active ? 'status-active' : 'status-inactive' },
       c.active ? 'Active' : 'Inactive'),
    el('td', {}, c.created_at.replace('T', ' ').replace('Z', ' UTC')),
    actions);
}

async function loadCreds(page) {
  const params = new URLSearchParams({ limit: '20' });
  if ($('f-api').value) params.set('api', $('f-api').value);
  if ($('f-status').value) params.set('active', $('f-status').value);
  const after = state.credPages[page];
  if (after) params.set('after', after);
  const data = await api.call('GET', `credentials?${params}`);
  state.credPage = page;
  state.credPages[page + 1] = data.next;
  $('creds-body').replaceChildren(...data.items.map(credRow));
  if (!data.items.length) {
    $('creds-body').append(el('tr', {}, el('td', { colspan: '7' }, 'No credentials.')));
  }
  $('creds-prev').disabled = page === 0;
  $('creds-next').disabled = !data.next;
}

for (const id of ['f-api', 'f-status']) {
  $(id).addEventListener('change', () => guarded(() => {
    state.credPages = [null];
    return loadCreds(0);
  }));
}
$('creds-prev').addEventListener('click', () => guarded(() => loadCreds(state.credPage - 1)));
$('creds-next').addEventListener('click', () => guarded(() => loadCreds(state.credPage + 1)));

// --- views

function showView(audit) {
  $('creds-view').hidden = audit;
  $('audit-view').hidden = !audit;
  $('show-creds').setAttribute('aria-pressed', String(!audit));
  $('show-audit').setAttribute('aria-pressed', String(audit));
}

$('show-creds').addEventListener('click', () => guarded(async () => {
  showView(false);
  await loadCreds(state.credPage);
}));
$('show-audit').addEventListener('click', () => guarded(async () => {
  showView(true);
  state.auditPages = [null];
  await loadAudit(0);
}));

async function loadAudit(page) {
  const params = new URLSearchParams({ limit: '50' });
  const after = state.auditPages[page];
  if (after) params.set('after', after);
  const data = await api.call('GET', `audit?${params}`);
  state.auditPage = page;
  state.auditPages[page + 1] = data.next;
  $('audit-body').replaceChildren(...data.items.map((a) => el('tr', {},
    el('td', {}, String(a.seq)), el('td', {}, a.time), el('td', {}, el('code', {}, a.actor)),
    el('td', {}, a.action), el('td', {}, el('code', {}, a.target)),
    el('td', {}, el('code', {}, JSON.stringify(a.change))))));
  $('audit-prev').disabled = page === 0;
  $('audit-next').disabled = !data.next;
}

$('audit-prev').addEventListener('click', () => guarded(() => loadAudit(state.auditPage - 1)));
$('audit-next').addEventListener('click', () => guarded(() => loadAudit(state.auditPage + 1)));

// --- create and edit

function scopeChooser(a, grant) {
  if (a.level === 'org') {
    return el('p', { class: 'scope' }, 'Scope: the whole org');
  }

  const name = `scope-${a.slug}`;
  const current = grant ? (grant.accounts ? 'account' : grant.workspaces ? 'workspace' : 'org') : 'org';
  const chosen = new Set((grant && (grant.accounts || grant.workspaces)) || []);
  const box = el('div', { class: 'scope', role: 'group', 'aria-label': `Scope of ${a.name}` });

  const radio = (value, text) => el('span', {},
    el('input', { type: 'radio', name, id: `${name}-${value}`, value,
                  checked: current === value }),
    el('label', { for: `${name}-${value}` }, text), ' ');

  box.append(radio('org', 'Whole org'), radio('account', 'Selected accounts'));
  if (a.level === 'workspace') {
    box.append(radio('workspace', 'Selected workspaces'));
  }

  const list = el('div', { class: 'scope-list' });
  for (const acc of state.accounts) {
    const accId = `${name}-a${acc.id}`;
    list.append(el('div', { class: 'account' },
      el('input', { type: 'checkbox', id: accId, 'data-kind': 'account', value: String(acc.id),
                    checked: current === 'account' && chosen.has(acc.id) }),
      el('label', { for: accId }, `Account ${acc.id}: ${acc.name}`)));
    if (a.level === 'workspace') {
      for (const ws of state.workspaces.filter((w) => w.account_id === acc.id)) {
        const wsId = `${name}-w${ws.id}`;
        list.append(el('div', { class: 'workspace' }, '\u00a0\u00a0\u00a0',
          el('input', { type: 'checkbox', id: wsId, 'data-kind': 'workspace', value: String(ws.id),
                        checked: current === 'workspace' && chosen.has(ws.id) }),
          el('label', { for: wsId }, `Workspace ${ws.id}: ${ws.name}`)));
      }
    }
  }
  box.append(list);
  return box;
}

function apiRow(a, grant) {
  const id = `api-${a.slug}`;
  const details = el('div', { class: 'details', hidden: !grant },
    el('label', { for: `${id}-perm` }, 'Permission '),
    el('select', { id: `${id}-perm` },
       ...a.permissions.map((p) => el('option', { value: p, selected: grant && grant.permission === p }, p))),
    scopeChooser(a, grant),
    el('p', { class: 'field-error', id: `${id}-error`, role: 'alert' }));
  const check = el('input', { type: 'checkbox', id, 'data-api': a.slug, checked: !!grant,
                              onchange: () => { details.hidden = !check.checked; } });
  return el('div', { class: 'api-row' }, check,
            el('label', { for: id }, `${a.name} (${a.slug}, ${a.level} level)`), details);
}

function openEditor(cred) {
  state.editing = cred;
  $('cred-dialog-title').textContent = cred ? `Edit ${cred.name}` : 'New credential';
  $('cf-name').value = cred ? cred.name : '';
  $('cf-name-error').textContent = '';
  $('cf-grants-error').textContent = '';
  $('cf-apis').replaceChildren(...state.apis.map((a) =>
    apiRow(a, cred && cred.grants.find((g) => g.api === a.slug))));
  $('cred-dialog').showModal();
  $('cf-name').focus();
}

function readGrants() {
  const grants = [];
  for (const a of state.apis) {
    if (!$(`api-${a.slug}`).checked) continue;
    const g = { api: a.slug, permission: $(`api-${a.slug}-perm`).value };
    const kind = a.level === 'org' ? 'org'
      : document.querySelector(`input[name="scope-${a.slug}"]:checked`).value;
    if (kind !== 'org') {
      const ids = [...document.querySelectorAll(
        `#api-${a.slug} ~ .details input[data-kind="${kind}"]:checked`)].map((i) => Number(i.value));
      g[kind === 'account' ? 'accounts' : 'workspaces'] = ids;
    }
    grants.push(g);
  }
  return grants;
}

function showFieldError(err, grants) {
  const msg = err.message;
  const m = /^grants\[(\d+)\]/.exec(msg);
  if (/^name/.test(msg)) {
    $('cf-name-error').textContent = msg;
    $('cf-name').focus();
  } else if (m && grants[Number(m[1])]) {
    $(`api-${grants[Number(m[1])].api}-error`).textContent = msg;
    $('cf-grants-error').textContent = msg;
  } else {
    $('cf-grants-error').textContent = msg;
  }
}

$('cred-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  $('cf-name-error').textContent = '';
  $('cf-grants-error').textContent = '';
  for (const e of document.querySelectorAll('#cf-apis .field-error')) e.textContent = '';
  const grants = readGrants();
  const body = { name: $('cf-name').value, grants };
  (async () => {
    try {
      if (state.editing) {
        await api.call('PATCH', `credentials/${state.editing.client_id}`, body);
        $('cred-dialog').close();
      } else {
        const c = await api.call('POST', 'credentials', body);
        $('cred-dialog').close();
        showSecret(c);
      }
      await loadCreds(state.credPage);
    } catch (err) {
      if (err.status === 422 || err.status === 403 || err.status === 409) {
        showFieldError(err, grants);
      } else {
        $('cred-dialog').close();
        showError(err);
      }
    }
  })();
});

$('cf-cancel').addEventListener('click', () => $('cred-dialog').close());
$('new-cred').addEventListener('click', () => openEditor(null));

// --- the secret, shown once

function showSecret(c) {
  $('secret-title').textContent = `Credential saved: ${c.name}`;
  $('sd-id').value = c.client_id;
  $('sd-secret').value = c.client_secret;
  $('secret-dialog').showModal();
  $('sd-secret').select();
}

for (const b of document.querySelectorAll('[data-copy]')) {
  b.addEventListener('click', async () => {
    const input = $(b.dataset.copy);
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      document.execCommand('copy');
    }
    b.textContent = 'Copied';
  });
}

$('sd-close').addEventListener('click', () => {
  $('sd-secret').value = '';
  for (const b of document.querySelectorAll('[data-copy]')) {
    b.textContent = b.dataset.copy === 'sd-id' ? 'Copy client id' : 'Copy client secret';
  }
  $('secret-dialog').close();
});

// --- row actions

function toggle(c) {
  guarded(async () => {
    await api.call('POST', `credentials/${c.client_id}/${c.active ? 'deactivate' : 'activate'}`);
    await loadCreds(state.credPage);
  });
}

function rotate(c) {
  guarded(async () => {
    showSecret(await api.call('POST', `credentials/${c.client_id}/rotate`));
  });
}

function confirmDelete(c) {
  $('confirm-text').textContent =
    `Delete "${c.name}" (${c.client_id}) permanently? Its tokens stop working at once. This cannot be undone.`;
  $('confirm-yes').onclick = () => {
    $('confirm-dialog').close();
    guarded(async () => {
      await api.call('DELETE', `credentials/${c.client_id}`);
      await loadCreds(state.credPage);
    });
  };
  $('confirm-dialog').showModal();
  $('confirm-no').focus();
}

$('confirm-no').addEventListener('click', () => $('confirm-dialog').close());

$('cf-name').addEventListener('input', () => { $('cf-name-error').textContent = ''; });
