// Bootstrap for the benkan GraphiQL playground.
//
// Loaded from assets/ (never inline) so that the page's Content-Security-Policy
// can keep script-src to 'self'. Everything it needs is read from data-*
// attributes on the #graphiql element, which the Go handler fills in.
//
// The bar above GraphiQL (#benkan-auth) signs in. In demo mode the server
// lists its demo users with fresh tokens (data-demo-users) and the bar offers
// "sign in as"; a token can always be pasted. The token lives in this browser
// tab's sessionStorage, so two tabs can be signed in as two users, and every
// request but the schema's carries it as "Authorization: Bearer <token>" (an
// Authorization header typed in the Headers tab wins). The schema is fetched
// without it: introspection is public, and a stale token must not hide the
// docs. A token the server refuses is reported in the bar with the server's
// error code.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var bar = document.getElementById('benkan-auth');
  if (!root) {
    return;
  }
  if (typeof React === 'undefined' || typeof ReactDOM === 'undefined' || typeof GraphiQL === 'undefined') {
    root.textContent = 'The GraphiQL playground failed to load its scripts.';
    return;
  }

  var endpoint = root.getAttribute('data-endpoint') || '/graphql';
  var title = root.getAttribute('data-title') || 'GraphiQL';
  var defaultQuery = root.getAttribute('data-default-query') || undefined;
  var demoUsersURL = root.getAttribute('data-demo-users') || '';
  var examplesVersion = root.getAttribute('data-examples-version') || '';
  var examples = parseJSON(root.getAttribute('data-examples'), []);
  if (!Array.isArray(examples)) {
    examples = [];
  }

  var SESSION_KEY = 'benkan:session'; // sessionStorage: this tab's sign-in
  var EXAMPLES_KEY = 'benkan:examples'; // localStorage: the examples last opened
  var TABS_KEY = 'graphiql:tabState'; // GraphiQL's own keys in localStorage
  var QUERY_KEY = 'graphiql:query';
  var VARIABLES_KEY = 'graphiql:variables';
  var HEADERS_KEY = 'graphiql:headers';
  var INTROSPECTION = 'IntrospectionQuery'; // GraphiQL's operation name for the schema

  function parseJSON(text, fallback) {
    try {
      return text ? JSON.parse(text) : fallback;
    } catch (e) {
      return fallback;
    }
  }

  // ---- this tab's session: {token, subject?, label} --------------------

  function loadSession() {
    try {
      var s = JSON.parse(window.sessionStorage.getItem(SESSION_KEY) || 'null');
      if (s && typeof s.token === 'string' && s.token) {
        return s;
      }
    } catch (e) { /* no storage: not signed in */ }
    return null;
  }

  function saveSession(s) {
    try {
      if (s) {
        window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
      } else {
        window.sessionStorage.removeItem(SESSION_KEY);
      }
    } catch (e) { /* kept in memory only */ }
  }

  var session = loadSession();
  var demoUsers = []; // as GET data-demo-users answers, in demo mode

  // ---- the bar ----------------------------------------------------------

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') {
        e.textContent = attrs[k];
      } else {
        e.setAttribute(k, attrs[k]);
      }
    });
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }

  var userSelect = null;
  var tokenInput = el('input', {
    id: 'benkan-token', type: 'password', autocomplete: 'off', spellcheck: 'false',
    placeholder: demoUsersURL ? 'or paste a token' : 'paste a token (benkan token --user SUBJECT)',
    'aria-label': 'Token'
  });
  var tokenForm = el('form', { id: 'benkan-token-form' }, [
    tokenInput,
    el('button', { type: 'submit', id: 'benkan-use-token', text: 'Use token' })
  ]);
  var signOut = el('button', { type: 'button', id: 'benkan-sign-out', text: 'Sign out' });
  var status = el('output', { id: 'benkan-status', 'aria-live': 'polite' });

  if (bar) {
    bar.appendChild(el('strong', { text: title }));
    if (demoUsersURL) {
      userSelect = el('select', { id: 'benkan-user', 'aria-label': 'Sign in as a demo user', disabled: 'disabled' }, [
        el('option', { value: '', text: 'loading the demo users…' })
      ]);
      bar.appendChild(el('label', { 'for': 'benkan-user', text: 'Demo: sign in as' }));
      bar.appendChild(userSelect);
    }
    bar.appendChild(tokenForm);
    bar.appendChild(signOut);
    bar.appendChild(status);
  }

  function setStatus(state, text, code) {
    status.setAttribute('data-state', state);
    if (code) {
      status.setAttribute('data-code', code);
    } else {
      status.removeAttribute('data-code');
    }
    status.textContent = text;
    signOut.hidden = !session;
  }

  function describe(u) {
    var parts = [u.displayName, (u.roles && u.roles.length ? u.roles.join(', ') : 'no role'), u.organization];
    parts.push(u.localities && u.localities.length ? u.localities.join(', ') : 'everywhere');
    return parts.join(' · ');
  }

  function fillUsers() {
    if (!userSelect) {
      return;
    }
    userSelect.textContent = '';
    userSelect.appendChild(el('option', { value: '', text: 'nobody (no token)' }));
    demoUsers.forEach(function (u) {
      userSelect.appendChild(el('option', { value: u.subject, text: describe(u) }));
    });
    userSelect.removeAttribute('disabled');
    userSelect.value = session && session.subject ? session.subject : '';
  }

  function signIn(s) {
    session = s;
    saveSession(s);
    if (userSelect) {
      userSelect.value = s && s.subject ? s.subject : '';
    }
    check();
  }

  if (userSelect) {
    userSelect.addEventListener('change', function () {
      var subject = userSelect.value;
      if (!subject) {
        signIn(null);
        return;
      }
      // Fresh tokens each time: one taken when the page loaded may have
      // died with a server restart since.
      setStatus('checking', 'Signing in as ' + subject + '…');
      loadDemoUsers(function () {
        var u = demoUsers.filter(function (x) { return x.subject === subject; })[0];
        if (u) {
          signIn({ token: u.token, subject: u.subject, label: describe(u) });
        }
      });
    });
  }

  tokenForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var t = tokenInput.value.trim().replace(/^Bearer\s+/i, '');
    tokenInput.value = '';
    var sub = subjectOf(t);
    signIn(t ? { token: t, label: (sub ? sub + ' ' : '') + '(pasted token)' } : null);
  });

  signOut.addEventListener('click', function () { signIn(null); });

  // subjectOf returns the `sub` claim of a JWT, for the bar to show; the
  // server, not the page, decides whether the token is any good.
  function subjectOf(token) {
    try {
      var payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var claims = JSON.parse(window.atob(payload + '==='.slice((payload.length + 3) % 4)));
      return typeof claims.sub === 'string' ? claims.sub : '';
    } catch (e) {
      return '';
    }
  }

  // loadDemoUsers asks the server for its demo users with fresh tokens;
  // done runs when they are in demoUsers.
  function loadDemoUsers(done) {
    window.fetch(demoUsersURL, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.text().then(function (text) {
          var body = parseJSON(text, null);
          if (!res.ok || !body || !Array.isArray(body.users)) {
            var e = firstError(body, res);
            throw new Error(e.message + ' (' + e.code + ')');
          }
          demoUsers = body.users;
          fillUsers();
          done();
        });
      })
      .catch(function (err) {
        setStatus('error', 'The demo users could not be loaded: ' + err.message);
      });
  }

  // firstError returns the code and message of a GraphQL error answer.
  function firstError(body, res) {
    var e = body && Array.isArray(body.errors) && body.errors[0];
    return {
      code: (e && e.extensions && e.extensions.code) || 'HTTP ' + res.status,
      message: (e && e.message) || res.statusText || 'no answer'
    };
  }

  function refused(source, code, message) {
    var again = demoUsersURL ? 'sign in again' : 'paste a new token';
    setStatus('refused', 'The server refused ' + source + ': ' + message + ' (' + code + '). ' +
      'A token dies when it expires and when the server restarts with another secret: ' + again + '.', code);
  }

  // check tells whether the server takes the session's token, with the
  // smallest query there is.
  function check() {
    if (!session) {
      setStatus('anonymous', 'Not signed in: requests carry no token (the schema and its docs need none).');
      return;
    }
    var s = session;
    setStatus('checking', 'Checking the token of ' + s.label + '…');
    post({ query: 'query BenkanTokenCheck { __typename }', operationName: 'BenkanTokenCheck' }, { Authorization: 'Bearer ' + s.token })
      .then(function (r) {
        if (s !== session) {
          return; // signed in as someone else meanwhile
        }
        if (r.res.status === 401) {
          var e = firstError(r.body, r.res);
          refused('the token of ' + s.label, e.code, e.message);
        } else {
          setStatus('signed-in', 'Signed in as ' + s.label + '.');
        }
      })
      .catch(function (err) {
        setStatus('error', 'The server could not be reached: ' + err.message);
      });
  }

  // ---- requests -------------------------------------------------------

  function post(params, extra) {
    var headers = {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json;q=0.9'
    };
    Object.keys(extra).forEach(function (k) { headers[k] = extra[k]; });
    return window.fetch(endpoint, {
      method: 'POST', headers: headers, body: JSON.stringify(params), credentials: 'same-origin'
    }).then(function (res) {
      return res.text().then(function (text) {
        var body = parseJSON(text, null);
        if (!body || typeof body !== 'object') {
          body = { errors: [{ message: 'HTTP ' + res.status + ' ' + res.statusText + ': the answer is not JSON' }] };
        }
        return { res: res, body: body };
      });
    });
  }

  // fetcher is GraphiQL's: the Headers tab's headers, plus the session's
  // token unless they name an Authorization of their own; none for the
  // schema.
  function fetcher(params, opts) {
    var introspection = params && params.operationName === INTROSPECTION;
    var editor = (opts && opts.headers) || {};
    var headers = {};
    var typed = false;
    Object.keys(editor).forEach(function (k) {
      if (k.toLowerCase() === 'authorization') {
        typed = true;
        if (introspection) {
          return;
        }
      }
      headers[k] = String(editor[k]);
    });
    var source = null;
    if (!introspection) {
      if (typed) {
        source = 'the token of the Headers tab';
      } else if (session) {
        headers.Authorization = 'Bearer ' + session.token;
        source = 'the token of ' + session.label;
      }
    }
    return post(params, headers).then(function (r) {
      if (r.res.status === 401 && source) {
        var e = firstError(r.body, r.res);
        refused(source, e.code, e.message);
      }
      return r.body;
    });
  }

  // ---- example tabs ---------------------------------------------------

  // titleOf is the operation name GraphiQL shows as a tab's title.
  function titleOf(query) {
    var m = /^(?!#).*(query|subscription|mutation)\s+([a-zA-Z0-9_]+)/m.exec(query || '');
    return m ? m[2] : null;
  }

  function newID() {
    var s = function () { return Math.floor(65536 * (1 + Math.random())).toString(16).slice(1); };
    return s() + s() + '-' + s() + '-' + s() + '-' + s() + '-' + s() + s() + s();
  }

  function tabOf(ex) {
    var name = titleOf(ex.query);
    return {
      id: newID(), hash: '', title: name || '<untitled>', query: ex.query,
      variables: ex.variables || null, headers: null, operationName: name, response: null
    };
  }

  // prepareTabs brings the tabs GraphiQL stored up to date with the
  // examples before GraphiQL starts: an example changed since the tabs were
  // stored replaces its unedited tab, a new one is appended, and none is
  // added twice. It also makes GraphiQL's "last query" the active tab's:
  // GraphiQL opens an extra tab on start when they differ, which would add
  // a tab on every reload. Stored headers are dropped (tokens live in the
  // tab's session, not in GraphiQL's shared storage).
  function prepareTabs() {
    var shipped = {};
    examples.forEach(function (ex) { shipped[ex.name] = ex.query; });
    try {
      var ls = window.localStorage;
      var last = parseJSON(ls.getItem(EXAMPLES_KEY), null);
      var state = parseJSON(ls.getItem(TABS_KEY), null);
      if (state && Array.isArray(state.tabs) && state.tabs.length && typeof state.activeTabIndex === 'number') {
        if (!last || last.version !== examplesVersion) {
          var before = (last && last.queries) || {};
          examples.forEach(function (ex) {
            var old = before[ex.name];
            var edited = state.tabs.filter(function (t) { return old && t.query === old; })[0];
            if (state.tabs.some(function (t) { return t.query === ex.query; })) {
              return;
            }
            if (edited) {
              edited.query = ex.query;
              edited.variables = ex.variables || null;
              edited.title = titleOf(ex.query) || edited.title;
              edited.operationName = titleOf(ex.query);
            } else {
              state.tabs.push(tabOf(ex));
            }
          });
        }
        state.tabs.forEach(function (t) { t.headers = null; });
        if (!state.tabs[state.activeTabIndex]) {
          state.activeTabIndex = 0;
        }
        var active = state.tabs[state.activeTabIndex];
        ls.setItem(TABS_KEY, JSON.stringify(state));
        ls.setItem(QUERY_KEY, active.query || '');
        ls.setItem(VARIABLES_KEY, active.variables || '');
      } else if (examples.length) {
        // GraphiQL opens defaultTabs, but fills its editors from its
        // "last query" and "last variables": make them the first tab's.
        ls.setItem(QUERY_KEY, examples[0].query);
        ls.setItem(VARIABLES_KEY, examples[0].variables || '');
      }
      ls.removeItem(HEADERS_KEY);
      ls.setItem(EXAMPLES_KEY, JSON.stringify({ version: examplesVersion, queries: shipped }));
    } catch (e) { /* no storage: GraphiQL starts from defaultTabs */ }
    return examples.map(function (ex) {
      return { query: ex.query, variables: ex.variables || null, headers: null };
    });
  }

  // ---- start ----------------------------------------------------------

  var props = {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    defaultTabs: prepareTabs(),
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: 'variables'
  };

  setStatus('checking', demoUsersURL ? 'Loading the demo users…' : 'Checking the token…');
  root.textContent = '';
  ReactDOM.createRoot(root).render(
    React.createElement(
      GraphiQL,
      props,
      React.createElement(GraphiQL.Logo, null, title)
    )
  );

  if (demoUsersURL) {
    // Fresh tokens at every load: a demo user chosen before a restart is
    // signed in again with a token of this run.
    loadDemoUsers(function () {
      if (session && session.subject) {
        var u = demoUsers.filter(function (x) { return x.subject === session.subject; })[0];
        if (u) {
          session = { token: u.token, subject: u.subject, label: describe(u) };
          saveSession(session);
        }
      }
      check();
    });
  } else {
    check();
  }
})();
