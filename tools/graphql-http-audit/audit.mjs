// Runs every graphql-http server audit (the GraphQL-over-HTTP spec's MUSTs,
// SHOULDs and MAYs) against a running benkan serve and fails on any audit
// that is not "ok": an error (a MUST), a warning (a SHOULD) or a notice.
//
//   node audit.mjs http://127.0.0.1:8080/graphql [bearer-token]
//
// The token (also BENKAN_AUDIT_TOKEN) is sent as Authorization: Bearer on
// every request, since benkan answers 401 to a request without one.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
const token = process.argv[3] ?? process.env.BENKAN_AUDIT_TOKEN ?? '';
if (!url) {
  console.error('usage: node audit.mjs URL [TOKEN]');
  process.exit(2);
}

function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await Promise.all(
  serverAudits({ url, fetchFn }).map(async (audit) => {
    try {
      return await audit.fn();
    } catch (err) {
      return { id: audit.id, name: audit.name, status: 'error', reason: `threw: ${err}` };
    }
  }),
);

let failed = 0;
for (const r of results) {
  if (r.status === 'ok') continue;
  failed++;
  let body = '';
  if (r.response) {
    try {
      body = ` -> ${r.response.status} ${await r.response.clone().text()}`;
    } catch {
      // the body was read already
      body = ` -> ${r.response.status}`;
    }
  }
  console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}: ${r.reason}${body}`);
}
const ok = results.length - failed;
console.log(`graphql-http audit of ${url}: ${ok} of ${results.length} passed`);
process.exit(failed === 0 ? 0 : 1);
