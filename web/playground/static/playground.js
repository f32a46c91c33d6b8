// Bootstrap for the benkan GraphiQL playground.
//
// Loaded from assets/ (never inline) so that the page's Content-Security-Policy
// can keep script-src to 'self'. Everything it needs is read from data-*
// attributes on the #graphiql element, which the Go handler fills in.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
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

  var httpFetcher = GraphiQL.createFetcher({
    url: endpoint,
    fetch: window.fetch.bind(window)
  });

  // storedHeaders returns the request headers GraphiQL persisted from its
  // Headers tab, or null.
  function storedHeaders() {
    try {
      if (window.localStorage.getItem('graphiql:shouldPersistHeaders') !== 'true') {
        return null;
      }
      var h = JSON.parse(window.localStorage.getItem('graphiql:headers') || 'null');
      return h && typeof h === 'object' && !Array.isArray(h) && Object.keys(h).length ? h : null;
    } catch (e) {
      return null;
    }
  }

  // GraphiQL (4.1.2) fetches the schema on start-up before its Headers
  // editor has loaded the persisted headers, and meanwhile blanks them in
  // local storage, so that introspection goes out without the Authorization
  // header and fails against an API that requires it. Introspection requests
  // without headers sent during start-up therefore get the headers persisted
  // when the page loaded. Every other request is sent as GraphiQL built it.
  var startupHeaders = storedHeaders();
  var startupUntil = Date.now() + 10000;

  function fetcher(params, opts) {
    var hasHeaders = opts && opts.headers && Object.keys(opts.headers).length > 0;
    if (!hasHeaders && startupHeaders && Date.now() < startupUntil &&
        params && params.operationName === 'IntrospectionQuery') {
      opts = Object.assign({}, opts, { headers: startupHeaders });
    }
    return httpFetcher(params, opts);
  }

  var props = {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    // Requests carry "Authorization: Bearer <token>": let the user set it in
    // the Headers tab, keep it across reloads, and open that tab by default.
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: 'headers'
  };

  root.textContent = '';
  ReactDOM.createRoot(root).render(
    React.createElement(
      GraphiQL,
      props,
      React.createElement(GraphiQL.Logo, null, title)
    )
  );
})();
