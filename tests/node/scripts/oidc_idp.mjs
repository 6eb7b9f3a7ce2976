// A real OpenID Connect provider (the `oidc-provider` package) for the AssumeRoleWithOIDC tests,
// served over https on the loopback.
//
//   OIDC_IDP_CERT, OIDC_IDP_KEY   PEM certificate and key to serve https with (required)
//   OIDC_IDP_CLIENTS              JSON list of client ids to register (each one's secret is
//                                 "<id>-secret"); a client-credentials token's sub is its client
//   OIDC_IDP_AUDIENCES            JSON list of audiences it issues JWTs for: a token asked for
//                                 with resource=urn:ramsts:aud:<aud> carries aud <aud> (a
//                                 resource indicator must be an absolute URI; an aud need not)
//
// Once listening it prints one JSON line, {"issuer": "https://127.0.0.1:<port>"}, and serves
// until it is killed. Its signing key (RS256, kid "idp-key-1") is made at start-up.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';

import Provider from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

const RESOURCE_PREFIX = 'urn:ramsts:aud:';
const clients = JSON.parse(required('OIDC_IDP_CLIENTS'));
const audiences = JSON.parse(required('OIDC_IDP_AUDIENCES'));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };

let handle = (request, response) => {
  response.statusCode = 503;
  response.end();
};
const server = https.createServer(
  { cert: readFileSync(required('OIDC_IDP_CERT')), key: readFileSync(required('OIDC_IDP_KEY')) },
  (request, response) => handle(request, response),
);

server.listen(0, '127.0.0.1', () => {
  const issuer = `https://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: clients.map((id) => ({
      client_id: id,
      client_secret: `${id}-secret`,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: ['ramsts-tests-only'] },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => `${RESOURCE_PREFIX}${audiences[0]}`,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => {
          const audience = resource.slice(RESOURCE_PREFIX.length);
          if (!resource.startsWith(RESOURCE_PREFIX) || !audiences.includes(audience)) {
            throw new Provider.errors.InvalidTarget();
          }
          return { audience, scope: 'openid', accessTokenFormat: 'jwt', accessTokenTTL: 600 };
        },
      },
    },
  });
  handle = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
