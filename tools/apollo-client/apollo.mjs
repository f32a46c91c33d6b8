// Drives a running benkan serve with Apollo Client 4, as a partner
// dashboard would, and fails (exit status 1, the reason on stderr) when
// benkan does not behave as such a client needs:
//
//   - the incident feed, cached with relayStylePagination(["where",
//     "orderBy"]), paged twice with fetchMore: the cache holds every page
//     once, in order, the same edges and pageInfo as one direct request of
//     first: 2N, then 3N;
//   - automatic persisted queries (PersistedQueryLink, SHA-256 from Node's
//     crypto): a hash the server does not know is answered
//     PersistedQueryNotFound and sent once with its text, a known one runs
//     from its hash alone;
//   - an incident read by node(id:) with its follow-ups; a follow-up created
//     by the coordinator (createFollowUp), normalized into the cache, and
//     there when the incident is read again from the server;
//   - access over Apollo: the DIHR officer reads the same incident with its
//     narrative null (listed in extensions.masked) where the coordinator
//     reads text, its createFollowUp is refused with extensions.code
//     FORBIDDEN and writes nothing, and a token that is not valid is a 401
//     with UNAUTHENTICATED.
//
//   BENKAN_COORDINATOR_TOKEN=… BENKAN_DIHR_TOKEN=… node apollo.mjs http://127.0.0.1:8080/graphql
//
// The tokens are those of the demo users sory.diakite (amdh_coordinator)
// and dihr.officer (dihr_partner); run.sh starts a server and signs them.
import { createHash, randomUUID } from 'node:crypto';
import {
  ApolloClient,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  ServerError,
  gql,
} from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';

const url = process.argv[2];
const coordinatorToken = process.env.BENKAN_COORDINATOR_TOKEN ?? '';
const dihrToken = process.env.BENKAN_DIHR_TOKEN ?? '';
if (!url || !coordinatorToken || !dihrToken) {
  console.error('usage: BENKAN_COORDINATOR_TOKEN=… BENKAN_DIHR_TOKEN=… node apollo.mjs URL');
  process.exit(2);
}

// The page size of the feed: three pages of it are read.
const N = 7;

// A run that hangs (a server that stops answering) fails instead.
setTimeout(() => fail('did not finish within 50 s'), 50_000).unref();

class Failure extends Error {}

function fail(msg) {
  console.error(`apollo-client test: FAIL: ${msg}`);
  process.exit(1);
}

function check(cond, msg) {
  if (!cond) throw new Failure(msg);
}

function ok(msg) {
  console.log(`ok   ${msg}`);
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

// exchanges records every HTTP exchange of the Apollo clients (request
// body, status, parsed answer) so that the test can check what went over
// the wire: the persisted-query protocol and the response's extensions,
// which Apollo Client does not hand to the caller.
const exchanges = [];

function recordingFetch(who) {
  return async (input, init = {}) => {
    const res = await fetch(input, init);
    let request = null;
    try {
      request = JSON.parse(init.body ?? 'null');
    } catch {
      // not JSON: a GET
    }
    let answer = null;
    try {
      answer = await res.clone().json();
    } catch {
      // not JSON
    }
    exchanges.push({ who, method: init.method ?? 'GET', request, status: res.status, answer });
    return res;
  };
}

// newClient is a dashboard's client: the persisted-queries link before the
// HTTP link, and a cache that knows the Node interface's types and merges
// connection pages.
function newClient(who, token, possibleTypes) {
  const http = new HttpLink({
    uri: url,
    headers: { Authorization: `Bearer ${token}` },
    fetch: recordingFetch(who),
  });
  const apq = new PersistedQueryLink({ sha256 });
  return new ApolloClient({
    link: apq.concat(http),
    cache: new InMemoryCache({
      possibleTypes,
      typePolicies: {
        Query: {
          fields: {
            // One list per filter and ordering; first/after/last/before
            // page through it.
            incidents: relayStylePagination(['where', 'orderBy']),
          },
        },
        Incident: {
          fields: { followUps: relayStylePagination(['where', 'orderBy']) },
        },
      },
    }),
  });
}

// direct sends one GraphQL request without Apollo: the answer to compare
// Apollo's cache with.
async function direct(token, query, variables = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  check(res.status === 200, `direct request: HTTP ${res.status}: ${JSON.stringify(body)}`);
  check(!body.errors, `direct request: errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const FEED = gql`
  query Feed($first: Int!, $after: Cursor, $where: IncidentWhereInput, $orderBy: [IncidentOrder!]) {
    incidents(first: $first, after: $after, where: $where, orderBy: $orderBy) {
      edges {
        cursor
        node {
          id
          reference
          status
          occurredAt
          summary
          locality { id name }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

// The same selection, as text for direct requests.
const FEED_TEXT = `query Feed($first: Int!, $after: Cursor, $where: IncidentWhereInput, $orderBy: [IncidentOrder!]) {
  incidents(first: $first, after: $after, where: $where, orderBy: $orderBy) {
    edges { cursor node { id reference } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const INCIDENT = gql`
  query IncidentWithFollowUps($id: ID!) {
    node(id: $id) {
      id
      ... on Incident {
        reference
        status
        narrative
        summary
        followUps(first: 100) {
          totalCount
          edges {
            cursor
            node {
              id
              kind
              doneOn
              description
              organization { id name }
            }
          }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`;

const CREATE_FOLLOW_UP = gql`
  mutation AddFollowUp($input: CreateFollowUpInput!) {
    createFollowUp(input: $input) {
      id
      kind
      doneOn
      description
      incident { id }
      organization { id name }
    }
  }
`;

const FOLLOW_UP_FIELDS = gql`
  fragment FollowUpFields on FollowUp {
    id
    kind
    description
  }
`;

// feedIDs is the ids of a connection's edges, in order.
const feedIDs = (conn) => conn.edges.map((e) => e.node.id);

// checkMerged checks that the cache's feed is the direct answer of
// first: pages*N: every page once, in the server's order.
async function checkMerged(client, variables, pages) {
  const cached = client.readQuery({ query: FEED, variables: { ...variables, first: N } });
  check(cached, `after ${pages} pages the cache cannot answer the feed`);
  const ids = feedIDs(cached.incidents);
  check(
    new Set(ids).size === ids.length,
    `after ${pages} pages the cache holds duplicate incidents: ${ids.join(' ')}`,
  );
  const want = (await direct(coordinatorToken, FEED_TEXT, { ...variables, first: N * pages })).incidents;
  const wantIDs = feedIDs(want);
  check(wantIDs.length === N * pages, `the direct feed of first: ${N * pages} has ${wantIDs.length} incidents: too few demo incidents`);
  check(
    ids.join(' ') === wantIDs.join(' '),
    `after ${pages} pages the cache's feed is not the server's first ${N * pages}:\n  cache:  ${ids.join(' ')}\n  server: ${wantIDs.join(' ')}`,
  );
  check(
    cached.incidents.pageInfo.endCursor === want.pageInfo.endCursor &&
      cached.incidents.pageInfo.hasNextPage === want.pageInfo.hasNextPage,
    `after ${pages} pages the cache's pageInfo ${JSON.stringify(cached.incidents.pageInfo)} is not the server's ${JSON.stringify(want.pageInfo)}`,
  );
  return cached.incidents;
}

// persisted reports whether a request carried the hash of
// its document, and whether the document's text too.
function persisted(request) {
  const hash = request?.extensions?.persistedQuery?.sha256Hash;
  return { hash: typeof hash === 'string' ? hash : '', withText: typeof request?.query === 'string' };
}

async function main() {
  // The Node interface's types, as a dashboard generates them for its cache.
  const introspection = await direct(coordinatorToken, '{ __type(name: "Node") { possibleTypes { name } } }');
  const possibleTypes = { Node: introspection.__type.possibleTypes.map((t) => t.name) };
  check(possibleTypes.Node.includes('Incident'), `Node's possible types lack Incident: ${possibleTypes.Node}`);

  const coordinator = newClient('coordinator', coordinatorToken, possibleTypes);
  const dihr = newClient('dihr', dihrToken, possibleTypes);

  // 1. The feed, three pages: one query, two fetchMore.
  const variables = { orderBy: [{ field: 'OCCURRED_AT', direction: 'DESC' }], where: { statusNotIn: ['UNSUBSTANTIATED'] } };
  const feed = coordinator.watchQuery({ query: FEED, variables: { ...variables, first: N } });
  const first = await new Promise((resolve, reject) => {
    const sub = feed.subscribe({
      next: (r) => {
        if (r.dataState === 'complete') {
          sub.unsubscribe();
          resolve(r.data);
        }
      },
      error: reject,
    });
  });
  check(first.incidents.edges.length === N, `the first page has ${first.incidents.edges.length} incidents, not ${N}`);
  check(first.incidents.pageInfo.hasNextPage, 'the first page says there is no next page');
  // Keep the query watched, as a page showing the list does.
  const watching = feed.subscribe({ next: () => {}, error: () => {} });
  let last = first.incidents;
  for (let pages = 2; pages <= 3; pages++) {
    const more = await feed.fetchMore({ variables: { after: last.pageInfo.endCursor } });
    check(!more.error, `fetchMore: ${more.error}`);
    const page = more.data.incidents;
    check(page.edges.length === N, `fetchMore's page ${pages} has ${page.edges.length} incidents, not ${N}`);
    check(
      !feedIDs(page).some((id) => feedIDs(last).includes(id)),
      `page ${pages} repeats incidents of the page before it`,
    );
    last = await checkMerged(coordinator, variables, pages);
    const current = feed.getCurrentResult().data.incidents;
    check(
      feedIDs(current).join(' ') === feedIDs(last).join(' '),
      `after ${pages} pages the watched query shows ${current.edges.length} incidents, the cache ${last.edges.length}`,
    );
  }
  watching.unsubscribe();
  ok(`feed: 3 pages of ${N} (query + 2 fetchMore) merged by relayStylePagination: ${3 * N} distinct incidents, the server's first ${3 * N} in order, same pageInfo`);

  // Another filter is another list in the cache (keyArgs), not a page of this one.
  const other = await coordinator.query({
    query: FEED,
    variables: { ...variables, where: { statusIn: ['CLOSED'] }, first: 2 },
  });
  check(other.data.incidents.edges.every((e) => e.node.status === 'CLOSED'), 'the CLOSED feed holds other statuses');
  check(
    coordinator.readQuery({ query: FEED, variables: { ...variables, first: N } }).incidents.edges.length === 3 * N,
    'a feed with another where changed the cached list of the first',
  );
  ok('keyArgs: a feed with another where is cached apart');

  // 2. An incident the DIHR officer may read too, with follow-ups.
  const shared = await direct(
    dihrToken,
    '{ incidents(first: 1, where: {hasFollowUps: true}, orderBy: [{field: REFERENCE}]) { edges { node { id reference } } } }',
  );
  check(shared.incidents.edges.length === 1, 'the DIHR officer sees no incident with follow-ups in the demo data');
  const incidentID = shared.incidents.edges[0].node.id;

  const read = await coordinator.query({ query: INCIDENT, variables: { id: incidentID } });
  const incident = read.data.node;
  check(incident && incident.__typename === 'Incident', `node(id: ${incidentID}) as the coordinator: ${JSON.stringify(incident)}`);
  check(typeof incident.narrative === 'string' && incident.narrative.length > 0, 'the coordinator reads no narrative');
  const before = incident.followUps.totalCount;
  check(before > 0 && incident.followUps.edges.length === before, `follow-ups: totalCount ${before}, ${incident.followUps.edges.length} edges`);
  ok(`node(id:) ${incident.reference} as the coordinator: narrative, ${before} follow-up(s)`);

  // 3. Access over Apollo: the same incident as the DIHR officer.
  const seen = (await dihr.query({ query: INCIDENT, variables: { id: incidentID } })).data.node;
  check(seen && seen.reference === incident.reference, `node(id:) as the DIHR officer: ${JSON.stringify(seen)}`);
  check(seen.narrative === null, `the DIHR officer reads the narrative: ${JSON.stringify(seen.narrative)}`);
  check(seen.followUps.totalCount === before, `the DIHR officer sees ${seen.followUps.totalCount} follow-ups, the coordinator ${before}`);
  const dihrAnswer = exchanges.filter((x) => x.who === 'dihr' && x.answer?.data?.node).at(-1)?.answer;
  check(
    dihrAnswer?.extensions?.masked?.includes('node.narrative'),
    `the DIHR officer's answer does not list node.narrative as masked: ${JSON.stringify(dihrAnswer?.extensions)}`,
  );
  ok('the DIHR officer reads the incident with narrative null, listed in extensions.masked');

  const amdh = await direct(
    coordinatorToken,
    '{ users(first: 1, where: {subject: "sory.diakite"}) { edges { node { organization { id name } } } } }',
  );
  const amdhID = amdh.users.edges[0]?.node.organization?.id;
  check(amdhID, `the coordinator's organization: ${JSON.stringify(amdh)}`);
  const marker = `Suivi fictif (test Apollo Client) ${randomUUID()}`;
  const input = {
    kind: 'MEDIATION',
    doneOn: '2026-11-30T10:00:00Z',
    description: marker,
    incidentID,
    organizationID: amdhID,
  };

  let refused = null;
  try {
    await dihr.mutate({ mutation: CREATE_FOLLOW_UP, variables: { input } });
  } catch (err) {
    refused = err;
  }
  check(refused, 'the DIHR officer created a follow-up');
  check(CombinedGraphQLErrors.is(refused), `the DIHR officer's createFollowUp failed with ${refused}, not a GraphQL error`);
  const codes = refused.errors.map((e) => e.extensions?.code);
  check(codes.length > 0 && codes.every((c) => c === 'FORBIDDEN'), `the DIHR officer's createFollowUp: codes ${JSON.stringify(codes)}, want FORBIDDEN`);
  ok('the DIHR officer\'s createFollowUp is refused: CombinedGraphQLErrors with extensions.code FORBIDDEN');

  const stale = newClient('stale', `${coordinatorToken.slice(0, -4)}AAAA`, possibleTypes);
  let unauthenticated = null;
  try {
    await stale.query({ query: INCIDENT, variables: { id: incidentID } });
  } catch (err) {
    unauthenticated = err;
  }
  check(ServerError.is(unauthenticated), `a bad token: ${unauthenticated}, not a ServerError`);
  check(unauthenticated.statusCode === 401, `a bad token: HTTP ${unauthenticated.statusCode}, want 401`);
  check(
    JSON.parse(unauthenticated.bodyText).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED',
    `a bad token's answer: ${unauthenticated.bodyText}`,
  );
  ok('a token that is not valid: ServerError 401 with extensions.code UNAUTHENTICATED');

  // 4. The coordinator creates a follow-up and reads it back.
  const created = (await coordinator.mutate({ mutation: CREATE_FOLLOW_UP, variables: { input } })).data.createFollowUp;
  check(created.id && created.description === marker && created.incident.id === incidentID, `createFollowUp answered ${JSON.stringify(created)}`);
  const cachedFollowUp = coordinator.readFragment({
    id: coordinator.cache.identify({ __typename: 'FollowUp', id: created.id }),
    fragment: FOLLOW_UP_FIELDS,
  });
  check(cachedFollowUp?.description === marker, `the created follow-up is not normalized into the cache: ${JSON.stringify(cachedFollowUp)}`);

  const again = (await coordinator.query({ query: INCIDENT, variables: { id: incidentID }, fetchPolicy: 'network-only' })).data.node;
  check(again.followUps.totalCount === before + 1, `after createFollowUp the incident has ${again.followUps.totalCount} follow-ups, want ${before + 1} (the DIHR officer's refused one must not be there)`);
  const back = again.followUps.edges.find((e) => e.node.id === created.id)?.node;
  check(back, `the created follow-up ${created.id} is not among the incident's follow-ups`);
  check(
    back.description === marker && back.kind === 'MEDIATION' && back.organization.id === amdhID,
    `the follow-up read back differs: ${JSON.stringify(back)}`,
  );
  const cachedIncident = coordinator.readQuery({ query: INCIDENT, variables: { id: incidentID } }).node;
  check(cachedIncident.followUps.edges.length === before + 1, `the cache's incident has ${cachedIncident.followUps.edges.length} follow-ups after the refetch`);
  ok(`createFollowUp as the coordinator: ${created.id} in the cache, and read back from the server (${before} -> ${before + 1} follow-ups)`);

  // 5. What went over the wire: automatic persisted queries.
  const apollo = exchanges.filter((x) => x.who === 'coordinator');
  check(apollo.length > 0, 'no request recorded');
  for (const x of apollo) {
    check(persisted(x.request).hash, `a request without a persisted-query hash: ${JSON.stringify(x.request)}`);
  }
  const feedRequests = apollo.filter((x) => x.request.operationName === 'Feed');
  const [probe, withText, ...rest] = feedRequests;
  check(
    probe && !persisted(probe.request).withText &&
      probe.answer?.errors?.[0]?.message === 'PersistedQueryNotFound' &&
      probe.answer.errors[0].extensions?.code === 'PERSISTED_QUERY_NOT_FOUND',
    `the feed's first request was not its hash alone, answered PersistedQueryNotFound (a server that ran this test before knows the hash: run.sh starts a fresh one): ${JSON.stringify(probe)}`,
  );
  check(
    withText && persisted(withText.request).withText && withText.answer?.data?.incidents,
    `after PersistedQueryNotFound the feed was not sent with its text: ${JSON.stringify(withText)}`,
  );
  check(
    persisted(withText.request).hash === sha256(withText.request.query),
    'the hash sent is not the SHA-256 of the query sent',
  );
  check(rest.length >= 3, `the feed's later requests: ${rest.length}, want 3 or more (2 fetchMore, the CLOSED feed)`);
  for (const x of rest) {
    check(
      !persisted(x.request).withText && x.status === 200 && x.answer?.data?.incidents,
      `a later feed request did not run from its hash alone: ${JSON.stringify({ request: x.request, status: x.status, answer: x.answer })}`,
    );
  }
  ok(`automatic persisted queries: the feed registered once (PersistedQueryNotFound, then its text), then ${rest.length} requests by hash alone`);

  console.log('apollo-client test: PASS');
}

try {
  await main();
  process.exit(0);
} catch (err) {
  fail(err instanceof Failure ? err.message : err?.stack ?? String(err));
}
