// The admin API and the token endpoint, seen from the page. The token is
// kept in this object only: never in storage, gone on sign-out or reload.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error_description) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error;
  }
}

export class Api {
  constructor(adminBase, tokenUrl) {
    this.adminBase = adminBase;
    this.tokenUrl = tokenUrl;
    this.token = null;
  }

  async signIn(clientId, clientSecret) {
    const r = await fetch(this.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: clientId, client_secret: clientSecret,
                             grant_type: 'client_credentials' }),
    });
    const body = await r.json().catch(() => null);
    if (!r.ok) {
      throw new ApiError(r.status, body);
    }
    this.token = body.access_token;
  }

  signOut() {
    this.token = null;
  }

  async call(method, path, body) {
    const headers = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(this.adminBase + path, {
      method, headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.status === 204) {
      return null;
    }
    const data = await r.json().catch(() => null);
    if (!r.ok) {
      throw new ApiError(r.status, data);
    }
    return data;
  }

  // Every item of a list, following the cursor.
  async all(path) {
    const items = [];
    let after = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = await this.call('GET', `${path}${sep}limit=1000`
                                   + (after ? `&after=${encodeURIComponent(after)}` : ''));
      items.push(...page.items);
      after = page.next;
    } while (after);
    return items;
  }
}
