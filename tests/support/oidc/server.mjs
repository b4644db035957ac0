// OpenID Connect provider for the test suite.
//
// Usage: node server.mjs CONFIG.json
//
// The config file holds {clients, users, password}; see tests/support/oidc_provider.py.
// The server listens on a free port of 127.0.0.1 chosen by the kernel and prints one line
// "READY <issuer>" to stdout once it accepts requests. It exits when its stdin closes, so it
// never outlives the test run that started it.
//
// Interactions are minimal on purpose: GET /interaction/:uid shows a login form, and
// POST /interaction/:uid/login with the fields `login` (a configured username) and `password`
// (the shared test password) signs the user in. Consent is granted automatically for the
// scopes and claims a client asks for (loadExistingGrant), so a plain HTTP client can complete
// the authorization-code flow by following redirects and posting one form.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const usersByName = new Map(Object.entries(config.users));
const usersBySub = new Map([...usersByName.values()].map((user) => [user.sub, user]));

// Registered URIs containing "*" are wildcard patterns ("*" matches any run of characters),
// so one client per town accepts its callback on any test host and port.
function globToRegExp(pattern) {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

function uriAllowed(registered, value) {
  return registered.some((uri) => (uri.includes('*') ? globToRegExp(uri).test(value) : uri === value));
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(html);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) {
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

function createProvider(issuer) {
  const provider = new Provider(issuer, {
    clients: config.clients.map((client) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...client,
    })),
    jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: 'test-signing-key' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name'],
      email: ['email', 'email_verified'],
      address: ['address'],
      groups: ['groups'],
    },
    // Put the granted scope claims into the ID token as well, so a relying party gets
    // name, email and groups without a userinfo call.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // The confirmation form submits itself; non-browser clients post it directly.
        logoutSource(ctx, form) {
          ctx.body = page('Sign out', `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<script>document.forms['op.logoutForm'].insertAdjacentHTML('beforeend',
'<input type="hidden" name="logout" value="yes">'); document.forms['op.logoutForm'].submit();</script>`);
        },
        postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<p>You are signed out.</p>');
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const user = usersBySub.get(sub);
      if (!user) {
        return undefined;
      }
      return { accountId: sub, claims: async () => ({ ...user.claims, sub }) };
    },
    async loadExistingGrant(ctx) {
      const { Grant } = ctx.oidc.provider;
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      const grant = (grantId && await Grant.find(grantId))
        || new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
      grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<pre id="error">${escapeHtml(JSON.stringify(out))}</pre>`);
    },
  });

  const { redirectUriAllowed, postLogoutRedirectUriAllowed } = provider.Client.prototype;
  provider.Client.prototype.redirectUriAllowed = function allowed(value) {
    return redirectUriAllowed.call(this, value) || uriAllowed(this.redirectUris, value);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function allowed(value) {
    return postLogoutRedirectUriAllowed.call(this, value) || uriAllowed(this.postLogoutRedirectUris, value);
  };
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  return provider;
}

function loginForm(uid, error = '') {
  return page('Sign in', `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">Username</label> <input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`);
}

async function handleInteraction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, page('Error', '<p>Interaction does not match this browser session.</p>'));
    return;
  }
  if (details.prompt.name !== 'login') {
    send(res, 400, page('Error', `<p>Unsupported prompt ${escapeHtml(details.prompt.name)}.</p>`));
    return;
  }
  if (req.method === 'GET' && action === undefined) {
    send(res, 200, loginForm(uid));
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const user = usersByName.get(form.get('login') ?? '');
    if (!user || form.get('password') !== config.password) {
      send(res, 401, loginForm(uid, 'Unknown user or wrong password.'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, {
      mergeWithLastSubmission: false,
    });
    return;
  }
  send(res, 405, page('Error', '<p>Method not allowed.</p>'));
}

let provider;
let handleProtocol;
const server = createServer((req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/([a-z]+))?(?:\?.*)?$/.exec(req.url);
  if (!match) {
    handleProtocol(req, res);
    return;
  }
  handleInteraction(provider, req, res, match[1], match[2]).catch((error) => {
    console.error('interaction failed', error);
    if (!res.headersSent) {
      send(res, 400, page('Error', `<pre id="error">${escapeHtml(error.message)}</pre>`));
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = createProvider(issuer);
  handleProtocol = provider.callback();
  process.stdout.write(`READY ${issuer}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
