// benkan's partner dashboard. It signs in with a token (in demo mode, as
// one of the demo users) and draws the aggregate counts the GraphQL API
// answers that token: each partner sees exactly what its role may, and a
// count the server protects is shown as protected, never as zero. Charts
// are hand-written SVG, each with its table and a CSV of that table. The
// filters live in the URL; the last answers are kept in localStorage and
// shown, with their date, when the network drops.
'use strict';
(() => {
  const body = document.body;
  const ENDPOINT = body.dataset.endpoint || '/graphql';
  const DEMO_USERS = body.dataset.demoUsers || '';
  const SESSION_KEY = 'benkan:dashboard:session'; // per tab (sessionStorage)
  const LANG_KEY = 'benkan:dashboard:lang'; // per browser (localStorage)
  const ANSWERS_KEY = 'benkan:dashboard:answers'; // per browser (localStorage)
  const MAX_ANSWERS = 40;
  const SVG = 'http://www.w3.org/2000/svg';

  // ---- words ----------------------------------------------------------
  const WORDS = {
    fr: {
      skip: 'Aller au contenu', title: 'Tableau de bord benkan', other: 'English', otherLang: 'en',
      signInAs: 'Se connecter en tant que', choose: '— choisir —', token: 'Jeton', useToken: 'Utiliser ce jeton',
      signOut: 'Se déconnecter', anonymous: 'Non connecté : choisissez un utilisateur ou collez un jeton.',
      signedIn: 'Connecté : {0}', refused: 'Jeton refusé ({0}) : {1}', checking: 'Vérification…', pasted: '{0} (jeton collé)',
      filters: 'Filtres', from: 'Du début de', to: "À la fin de", locality: 'Localité', allLocalities: 'Toutes les localités',
      violationType: 'Type de violation', allTypes: 'Tous les types', level: 'Niveau des localités', stack: 'Empiler par',
      share: 'Le lien de cette page garde les filtres : copiez-le pour partager la vue.',
      REGION: 'Région', CERCLE: 'Cercle', COMMUNE: 'Commune',
      loading: 'Chargement…', unavailableRole: 'Non disponible pour votre rôle.',
      unavailableServer: 'Non disponible sur ce serveur.', failed: 'Erreur : {0}', noData: 'Aucune donnée.',
      offline: 'Hors ligne : ces données sont celles du {0}.', noCopy: 'hors ligne, et aucune donnée gardée pour cette vue', csv: 'Télécharger le tableau (CSV)',
      protected: 'protégé', total: 'Total', aboveLevel: 'Au-dessus du niveau', count: 'Nombre',
      legendTitle: 'Nombres protégés',
      legend: '« protégé » : ce nombre n’est pas publié, car il est sous le seuil de {0} (contrôle de la divulgation statistique : un petit nombre pourrait permettre de reconnaître des personnes). Ce n’est pas zéro. Les nombres publiés portent un bruit d’au plus ± {1} ; les totaux sont comptés à part et ne sont donc pas la somme exacte des cellules.',
      legendExact: 'Vos nombres sont exacts (aucun contrôle de la divulgation pour votre rôle).',
      chartOf: 'Graphique : {0}. Les valeurs sont dans le tableau qui suit.',
      notFiltered: 'Filtres sans effet sur cette vue : {0}.', periodW: 'période', typeW: 'type de violation',
      vTime: 'Allégations dans le temps', vTimeCap: 'Allégations par mois et par {0}', month: 'Mois',
      vLoc: 'Allégations par localité', vLocCap: 'Allégations par {0}', map: 'Carte',
      vStatus: 'Allégations par statut', vStatusCap: 'Allégations par statut (entonnoir de vérification : signalé → vérifié → transmis → clos)', status: 'Statut',
      vVictims: 'Victimes par genre et tranche d’âge', vVictimsCap: 'Victimes par tranche d’âge et genre', age: 'Tranche d’âge',
      vAct: 'Activités', vActKind: 'Activités par type et participants', vActTime: 'Participants aux activités par mois', kind: 'Type',
      women: 'Femmes', men: 'Hommes', youth: 'Jeunes', securityForces: 'FSI/FDS',
      vRec: 'Recommandations', vRecStatus: 'Recommandations par statut', vRecAddr: 'Recommandations par destinataire, dont en retard',
      addressee: 'Destinataire', overdue: 'En retard', VIOLATION_TYPE: 'type de violation', STATUS: 'statut',
    },
    en: {
      skip: 'Skip to content', title: 'benkan dashboard', other: 'Français', otherLang: 'fr',
      signInAs: 'Sign in as', choose: '— choose —', token: 'Token', useToken: 'Use this token',
      signOut: 'Sign out', anonymous: 'Not signed in: choose a user or paste a token.',
      signedIn: 'Signed in: {0}', refused: 'Token refused ({0}): {1}', checking: 'Checking…', pasted: '{0} (pasted token)',
      filters: 'Filters', from: 'From the start of', to: 'To the end of', locality: 'Locality', allLocalities: 'All localities',
      violationType: 'Violation type', allTypes: 'All types', level: 'Locality level', stack: 'Stack by',
      share: 'This page’s link keeps the filters: copy it to share the view.',
      REGION: 'Region', CERCLE: 'Cercle', COMMUNE: 'Commune',
      loading: 'Loading…', unavailableRole: 'Not available for your role.',
      unavailableServer: 'Not available on this server.', failed: 'Error: {0}', noData: 'No data.',
      offline: 'Offline: this data is from {0}.', noCopy: 'offline, and no data kept for this view', csv: 'Download the table (CSV)',
      protected: 'protected', total: 'Total', aboveLevel: 'Above the level', count: 'Count',
      legendTitle: 'Protected counts',
      legend: '“protected”: this count is not published because it is under the threshold of {0} (statistical disclosure control: a small count could let people be recognised). It is not zero. Published counts carry a noise of at most ± {1}; totals are counted on their own, so they are not the exact sum of the cells.',
      legendExact: 'Your counts are exact (no disclosure control for your role).',
      chartOf: 'Chart: {0}. The values are in the table that follows.',
      notFiltered: 'Filters that do not apply to this view: {0}.', periodW: 'period', typeW: 'violation type',
      vTime: 'Allegations over time', vTimeCap: 'Allegations by month and {0}', month: 'Month',
      vLoc: 'Allegations by locality', vLocCap: 'Allegations by {0}', map: 'Map',
      vStatus: 'Allegations by status', vStatusCap: 'Allegations by status (verification funnel: reported → verified → referred → closed)', status: 'Status',
      vVictims: 'Victims by gender and age bracket', vVictimsCap: 'Victims by age bracket and gender', age: 'Age bracket',
      vAct: 'Activities', vActKind: 'Activities by kind, and participants', vActTime: 'Activity participants by month', kind: 'Kind',
      women: 'Women', men: 'Men', youth: 'Youth', securityForces: 'FSI/FDS',
      vRec: 'Recommendations', vRecStatus: 'Recommendations by status', vRecAddr: 'Recommendations by addressee, with those overdue',
      addressee: 'Addressee', overdue: 'Overdue', VIOLATION_TYPE: 'violation type', STATUS: 'status',
    },
  };
  // Labels of the API's enum values.
  const ENUMS = {
    fr: {
      REPORTED: 'Signalé', UNDER_VERIFICATION: 'En vérification', VERIFIED: 'Vérifié', UNSUBSTANTIATED: 'Non confirmé', REFERRED: 'Transmis', CLOSED: 'Clos',
      FEMALE: 'Femme', MALE: 'Homme', OTHER: 'Autre', UNKNOWN: 'Inconnu',
      UNDER_18: 'Moins de 18 ans', AGE_18_35: '18 à 35 ans', AGE_36_59: '36 à 59 ans', AGE_60_PLUS: '60 ans et plus',
      INCLUSIVE_DIALOGUE: 'Dialogue inclusif', RADIO_DEBATE: 'Débat radio', SPORTS_DAY: 'Journée sportive', CLEANLINESS_DAY: 'Journée de salubrité',
      TRAINING: 'Formation', MONITORING_MISSION: 'Mission de suivi', STRATEGIC_RETREAT: 'Retraite stratégique',
      PROPOSED: 'Proposée', ACCEPTED: 'Acceptée', IN_PROGRESS: 'En cours', IMPLEMENTED: 'Mise en œuvre', DROPPED: 'Abandonnée',
    },
    en: {
      REPORTED: 'Reported', UNDER_VERIFICATION: 'Under verification', VERIFIED: 'Verified', UNSUBSTANTIATED: 'Unsubstantiated', REFERRED: 'Referred', CLOSED: 'Closed',
      FEMALE: 'Female', MALE: 'Male', OTHER: 'Other', UNKNOWN: 'Unknown',
      UNDER_18: 'Under 18', AGE_18_35: '18 to 35', AGE_36_59: '36 to 59', AGE_60_PLUS: '60 and over',
      INCLUSIVE_DIALOGUE: 'Inclusive dialogue', RADIO_DEBATE: 'Radio debate', SPORTS_DAY: 'Sports day', CLEANLINESS_DAY: 'Cleanliness day',
      TRAINING: 'Training', MONITORING_MISSION: 'Monitoring mission', STRATEGIC_RETREAT: 'Strategic retreat',
      PROPOSED: 'Proposed', ACCEPTED: 'Accepted', IN_PROGRESS: 'In progress', IMPLEMENTED: 'Implemented', DROPPED: 'Dropped',
    },
  };
  const STATUSES = ['REPORTED', 'UNDER_VERIFICATION', 'VERIFIED', 'UNSUBSTANTIATED', 'REFERRED', 'CLOSED'];
  const FUNNEL = ['REPORTED', 'VERIFIED', 'REFERRED', 'CLOSED'];
  const GENDERS = ['FEMALE', 'MALE', 'OTHER', 'UNKNOWN'];
  const AGES = ['UNDER_18', 'AGE_18_35', 'AGE_36_59', 'AGE_60_PLUS', 'UNKNOWN'];
  const KINDS = ['INCLUSIVE_DIALOGUE', 'RADIO_DEBATE', 'SPORTS_DAY', 'CLEANLINESS_DAY', 'TRAINING', 'MONITORING_MISSION', 'STRATEGIC_RETREAT', 'OTHER'];
  const REC_STATUSES = ['PROPOSED', 'ACCEPTED', 'IN_PROGRESS', 'IMPLEMENTED', 'DROPPED'];
  const LEVELS = ['REGION', 'CERCLE', 'COMMUNE'];

  let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'fr';
  const t = (k, ...args) => args.reduce((s, a, i) => s.replace('{' + i + '}', a), WORDS[lang][k] ?? k);
  const label = (v) => ENUMS[lang][v] ?? v;
  const locale = () => (lang === 'fr' ? 'fr-FR' : 'en-GB');
  const num = (n) => new Intl.NumberFormat(locale()).format(n);
  const monthName = (iso) => new Intl.DateTimeFormat(locale(), { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
  const when = (ms) => new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(ms));

  // el builds an element; attributes by setAttribute (never style: the
  // CSP allows no inline style), children as nodes or text.
  function el(tag, attrs, ...children) {
    const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const svg = (tag, attrs, ...children) => el('svg:' + tag, attrs, ...children);

  // ---- session --------------------------------------------------------
  let session = null;
  try { session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null'); } catch { session = null; }
  let demoUsers = [];
  let signinState = { state: 'anonymous' };

  function subjectOf(token) {
    try {
      const p = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(p)).sub || '?';
    } catch { return '?'; }
  }
  function setSession(s) {
    // The kept answers are one user's: dropped at sign-out and when
    // another user signs in, so that the next user of the browser does
    // not find them (offline, with a token naming that user, or in the
    // browser's storage).
    if (!s || keptFor() !== s.subject) dropAnswers();
    session = s;
    if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    else sessionStorage.removeItem(SESSION_KEY);
    ref = null;
    loadAll();
  }

  function renderSignin() {
    const box = document.getElementById('signin');
    box.replaceChildren();
    if (demoUsers.length) {
      const sel = el('select', { id: 'user', onchange: () => {
        const u = demoUsers.find((x) => x.subject === sel.value);
        if (u) setSession({ token: u.token, subject: u.subject, label: u.displayName, demo: true });
      } }, el('option', { value: '' }, t('choose')),
      demoUsers.map((u) => el('option', { value: u.subject, selected: session && session.subject === u.subject },
        `${u.displayName} — ${u.organization} (${u.roles.join(', ')})`)));
      box.append(el('label', { for: 'user' }, t('signInAs')), sel);
    }
    const input = el('input', { id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false' });
    box.append(el('label', { for: 'token' }, t('token')), input,
      el('button', { type: 'button', id: 'use-token', onclick: () => {
        const tok = input.value.trim();
        if (tok) setSession({ token: tok, subject: subjectOf(tok), label: t('pasted', subjectOf(tok)) });
      } }, t('useToken')));
    if (session) box.append(el('button', { type: 'button', id: 'sign-out', onclick: () => setSession(null) }, t('signOut')));
    const s = signinState;
    const text = s.state === 'signed-in' ? t('signedIn', session.label)
      : s.state === 'refused' ? t('refused', s.code, s.message)
        : s.state === 'checking' ? t('checking') : t('anonymous');
    box.append(el('p', { id: 'status', role: 'status', 'data-state': s.state, 'data-code': s.code }, text));
  }

  async function loadDemoUsers() {
    if (!DEMO_USERS) return;
    try {
      const res = await fetch(DEMO_USERS, { headers: { Accept: 'application/json' } });
      if (res.ok) demoUsers = (await res.json()).users || [];
      if (session) { // a fresh token for the same demo user
        const u = session.demo && demoUsers.find((x) => x.subject === session.subject);
        if (u) { session.token = u.token; sessionStorage.setItem(SESSION_KEY, JSON.stringify(session)); }
      }
    } catch { /* offline: no demo list */ }
  }

  // ---- answers, with the last ones kept for offline use ----------------
  // They are stored as {subject, answers}: the answers of that subject only.
  function readKept() {
    try { return JSON.parse(localStorage.getItem(ANSWERS_KEY) || 'null'); } catch { return null; }
  }
  function keptFor() { const k = readKept(); return k && k.subject; }
  function dropAnswers() { localStorage.removeItem(ANSWERS_KEY); }
  function readAnswers() {
    const k = readKept();
    return k && session && k.subject === session.subject && k.answers ? k.answers : {};
  }
  function keep(key, answer) {
    const all = readAnswers();
    all[key] = { at: Date.now(), answer };
    const keys = Object.keys(all).sort((a, b) => all[b].at - all[a].at);
    for (const k of keys.slice(MAX_ANSWERS)) delete all[k];
    try { localStorage.setItem(ANSWERS_KEY, JSON.stringify({ subject: session.subject, answers: all })); } catch { /* full: keep none */ }
  }

  // The codes of a view the server does not have (an unknown query) or the
  // role may not ask for.
  const UNAVAILABLE = ['GRAPHQL_VALIDATION_FAILED', 'FORBIDDEN'];
  const refusal = (answer) => {
    const e = answer.errors[0];
    return { code: (e.extensions && e.extensions.code) || 'ERROR', message: e.message };
  };

  // gql posts query with the session's token. It resolves to {data, at}
  // (at: when a kept answer was fetched, if the network is down) or
  // rejects with {code, message}.
  async function gql(query, variables) {
    const key = JSON.stringify([session.subject, query, variables]);
    let res;
    try {
      res = await fetch(ENDPOINT, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json', Authorization: 'Bearer ' + session.token },
        body: JSON.stringify({ query, variables }),
      });
    } catch {
      const hit = readAnswers()[key];
      if (hit && hit.answer.errors) throw refusal(hit.answer);
      if (hit) return { data: hit.answer.data, at: hit.at };
      throw { code: 'NETWORK', message: t('noCopy') };
    }
    let answer = null;
    try { answer = await res.json(); } catch { /* not JSON */ }
    if (!answer) throw { code: 'HTTP_' + res.status, message: res.statusText };
    if (answer.errors && answer.errors.length) {
      const e = refusal(answer);
      // A view the server or the role does not offer stays so offline.
      if (UNAVAILABLE.includes(e.code)) keep(key, { errors: answer.errors.slice(0, 1) });
      throw e;
    }
    keep(key, answer);
    return { data: answer.data, at: null };
  }

  // ---- filters in the URL ----------------------------------------------
  const thisYear = new Date().getUTCFullYear();
  function readFilters() {
    const q = new URLSearchParams(location.search);
    const year = (v, d) => (/^\d{4}$/.test(v || '') ? Number(v) : d);
    const f = {
      from: year(q.get('from'), thisYear - 5), to: year(q.get('to'), thisYear),
      loc: q.get('loc') || '', vt: q.get('vt') || '',
      level: LEVELS.includes(q.get('level')) ? q.get('level') : 'CERCLE',
      stack: q.get('stack') === 'STATUS' ? 'STATUS' : 'VIOLATION_TYPE',
    };
    if (f.to < f.from) f.to = f.from;
    return f;
  }
  function writeFilters(f) {
    const q = new URLSearchParams();
    q.set('from', f.from); q.set('to', f.to);
    if (f.loc) q.set('loc', f.loc);
    if (f.vt) q.set('vt', f.vt);
    q.set('level', f.level); q.set('stack', f.stack);
    history.replaceState(null, '', location.pathname + '?' + q.toString());
  }
  let filters = readFilters();
  // Whole calendar years: the range every role may ask for (disclosure
  // control refuses others).
  const range = (f) => ({ from: f.from + '-01-01T00:00:00Z', to: (f.to + 1) + '-01-01T00:00:00Z' });

  let ref = null; // {localities, types}
  async function loadRef() {
    const { data } = await gql(`query DashboardReference {
      localities(first: 1000) { edges { node { id name level latitude longitude parent { id } } } }
      violationTypes(first: 1000) { edges { node { id code labelFr labelEn } } }
    }`, {});
    const locs = data.localities.edges.map((e) => e.node);
    const byId = new Map(locs.map((l) => [l.id, l]));
    for (const l of locs) l.parentId = l.parent && l.parent.id;
    // Places without coordinates (regions, cercles) sit at the mean of
    // the communes below them.
    const coords = (l) => {
      if (l.latitude != null && l.longitude != null) return [l.latitude, l.longitude];
      const kids = locs.filter((k) => k.parentId === l.id).map(coords).filter(Boolean);
      if (!kids.length) return null;
      return [kids.reduce((s, c) => s + c[0], 0) / kids.length, kids.reduce((s, c) => s + c[1], 0) / kids.length];
    };
    for (const l of locs) l.at = coords(l);
    const depth = (l) => (l.parentId && byId.has(l.parentId) ? 1 + depth(byId.get(l.parentId)) : 0);
    // Tree order: each place after its parent.
    const ordered = [];
    const walk = (pid) => locs.filter((l) => (l.parentId || null) === pid || (pid === null && l.parentId && !byId.has(l.parentId)))
      .sort((a, b) => a.name.localeCompare(b.name, 'fr')).forEach((l) => { ordered.push(l); walk(l.id); });
    walk(null);
    for (const l of ordered) l.depth = depth(l);
    ref = { localities: ordered, byId, types: data.violationTypes.edges.map((e) => e.node) };
  }
  const typeLabel = (vt) => (vt ? (lang === 'fr' ? vt.labelFr : vt.labelEn) || vt.labelFr || vt.code : '?');

  function renderFilters() {
    const form = document.getElementById('filters');
    form.replaceChildren();
    const years = [];
    for (let y = thisYear - 10; y <= thisYear; y++) years.push(y);
    const field = (id, text, options, value, key, asNumber) => {
      const sel = el('select', { id, name: key, onchange: () => {
        filters[key] = asNumber ? Number(sel.value) : sel.value;
        if (filters.to < filters.from) filters.to = filters.from;
        writeFilters(filters);
        loadViews(); // redraws the filters, keeping the focus
      } }, options.map(([v, l]) => el('option', { value: v, selected: String(v) === String(value) }, l)));
      return el('div', { class: 'field' }, el('label', { for: id }, text), sel);
    };
    const yearOpts = years.map((y) => [y, String(y)]);
    const locOpts = [['', t('allLocalities')]].concat((ref ? ref.localities : []).map((l) => [l.id, '\u00a0\u00a0'.repeat(l.depth) + l.name + ' (' + t(l.level) + ')']));
    const typeOpts = [['', t('allTypes')]].concat((ref ? ref.types : []).slice().sort((a, b) => typeLabel(a).localeCompare(typeLabel(b), locale())).map((v) => [v.id, typeLabel(v)]));
    form.append(
      el('h2', { id: 'filters-title', class: 'sr-title' }, t('filters')),
      field('f-from', t('from'), yearOpts, filters.from, 'from', true),
      field('f-to', t('to'), yearOpts, filters.to, 'to', true),
      field('f-loc', t('locality'), locOpts, filters.loc, 'loc'),
      field('f-vt', t('violationType'), typeOpts, filters.vt, 'vt'),
      field('f-level', t('level'), LEVELS.map((l) => [l, t(l)]), filters.level, 'level'),
      field('f-stack', t('stack'), ['VIOLATION_TYPE', 'STATUS'].map((s) => [s, t(s)]), filters.stack, 'stack'),
      el('p', { class: 'hint' }, t('share')));
  }

  // ---- tables, CSV and charts -----------------------------------------
  // A panel's model: {id, caption, rowHead, cols:[{key,label}], rows:[{key,label,cells:{col:{count,protected}}}]}.
  const cellOf = (row, col) => row.cells[col] || { count: 0, protected: false };
  const shown = (c) => (c.protected ? t('protected') : c.count == null ? '–' : num(c.count));

  function table(m) {
    return el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': m.id + '-caption' },
      el('table', { id: m.id + '-table', 'data-panel': m.id },
        el('caption', { id: m.id + '-caption' }, m.caption),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, m.rowHead), m.cols.map((c) => el('th', { scope: 'col', 'data-col': c.key }, c.label)))),
        el('tbody', {}, m.rows.map((r) => el('tr', { 'data-row': r.key },
          el('th', { scope: 'row' }, r.label),
          m.cols.map((c) => {
            const v = cellOf(r, c.key);
            return el('td', { 'data-col': c.key, 'data-value': v.protected ? 'protected' : v.count == null ? 'null' : v.count, class: v.protected ? 'prot' : null },
              v.protected ? el('span', { class: 'prot-mark', 'aria-hidden': 'true' }, '▨ ') : null, shown(v));
          }))))));
  }

  function csvOf(m) {
    // A label (a locality's name, a violation type's, written by others)
    // that a spreadsheet would run as a formula starts with an apostrophe,
    // as the server's CSV exports do; counts are numbers and kept as they are.
    const guard = (s) => (typeof s === 'string' ? s.replace(/(?<=^|[;\n\r])(?=[=+\-@\t\r])/g, "'") : String(s));
    const q = (s) => { const v = guard(s); return /[",;\n\r]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; };
    const lines = [[m.rowHead, ...m.cols.map((c) => c.label)].map(q).join(',')];
    for (const r of m.rows) {
      lines.push([r.label, ...m.cols.map((c) => {
        const v = cellOf(r, c.key);
        return v.protected ? t('protected') : v.count == null ? '' : v.count;
      })].map(q).join(','));
    }
    return '\ufeff' + lines.join('\r\n') + '\r\n';
  }
  function csvButton(m) {
    return el('button', { type: 'button', class: 'csv', 'data-csv': m.id, onclick: () => {
      const url = URL.createObjectURL(new Blob([csvOf(m)], { type: 'text/csv;charset=utf-8' }));
      const a = el('a', { href: url, download: `benkan-${m.id}-${filters.from}-${filters.to}.csv` });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } }, t('csv'));
  }

  const W = 640;
  function chartFrame(m, h, ...children) {
    return svg('svg', { viewBox: `0 0 ${W} ${h}`, class: 'chart', role: 'img', 'aria-label': t('chartOf', m.caption) }, ...children);
  }
  function swatches(cols) {
    return el('ul', { class: 'keys', 'aria-hidden': 'true' }, cols.map((c, i) => el('li', {},
      svg('svg', { width: 12, height: 12, class: 'swatch' }, svg('rect', { width: 12, height: 12, class: 'c' + (i % 10) })), ' ' + c.label)));
  }

  // Stacked vertical bars: one per row, a segment per column. A protected
  // segment has no height to draw: it is a hatched mark on top.
  function stackedBars(m, cols) {
    const h = 240, top = 10, bottom = 40, left = 44;
    const sums = m.rows.map((r) => cols.reduce((s, c) => s + (cellOf(r, c.key).count || 0), 0));
    const max = Math.max(1, ...sums);
    const bw = (W - left - 4) / Math.max(1, m.rows.length);
    const y = (v) => top + (h - top - bottom) * (1 - v / max);
    const g = [svg('line', { x1: left, x2: W, y1: y(0), y2: y(0), class: 'axis' }),
      svg('text', { x: left - 4, y: y(max) + 4, class: 'tick', 'text-anchor': 'end' }, num(max)),
      svg('text', { x: left - 4, y: y(0), class: 'tick', 'text-anchor': 'end' }, '0')];
    const every = Math.ceil(m.rows.length / 12);
    m.rows.forEach((r, i) => {
      let acc = 0, prot = false;
      const x = left + i * bw;
      cols.forEach((c, j) => {
        const v = cellOf(r, c.key);
        if (v.protected) { prot = true; return; }
        if (!v.count) return;
        g.push(svg('rect', { x: x + 1, width: Math.max(1, bw - 2), y: y(acc + v.count), height: y(acc) - y(acc + v.count), class: 'c' + (j % 10) }));
        acc += v.count;
      });
      if (prot) g.push(svg('rect', { x: x + 1, width: Math.max(1, bw - 2), y: y(acc) - 8, height: 8, class: 'hatch', fill: 'url(#hatch)' }));
      if (i % every === 0) g.push(svg('text', { x: x + bw / 2, y: h - bottom + 14, class: 'tick', 'text-anchor': 'middle' }, r.short || r.label));
    });
    return el('div', { class: 'chart-box' }, chartFrame(m, h, g), cols.length > 1 ? swatches(cols) : null);
  }

  // Horizontal bars of one column, in row order (centred: a funnel).
  function hBars(m, col, centred) {
    const rh = 26, left = 190, h = m.rows.length * rh + 8;
    const max = Math.max(1, ...m.rows.map((r) => cellOf(r, col).count || 0));
    const g = [];
    m.rows.forEach((r, i) => {
      const v = cellOf(r, col), y = 4 + i * rh, span = W - left - 70;
      const w = v.protected ? 24 : span * (v.count || 0) / max;
      const x = centred ? left + (span - w) / 2 : left;
      g.push(svg('text', { x: left - 6, y: y + 16, class: 'tick', 'text-anchor': 'end' }, r.label));
      g.push(svg('rect', { x, y: y + 3, width: Math.max(v.protected ? 24 : 0, w), height: rh - 8, class: v.protected ? 'hatch' : 'c0', fill: v.protected ? 'url(#hatch)' : null }));
      g.push(svg('text', { x: (centred ? x + w : left + w) + 6, y: y + 16, class: 'val' }, shown(v)));
    });
    return el('div', { class: 'chart-box' }, chartFrame(m, h, g));
  }

  // A map of Mali's localities: no tiles, circles at their coordinates
  // (equirectangular), areas proportional to the counts.
  function map(m, col) {
    const h = 360, lon0 = -12.5, lon1 = 4.5, lat0 = 10, lat1 = 25.2;
    const x = (lon) => 20 + (W - 40) * (lon - lon0) / (lon1 - lon0);
    const y = (lat) => 10 + (h - 20) * (lat1 - lat) / (lat1 - lat0);
    const max = Math.max(1, ...m.rows.map((r) => cellOf(r, col).count || 0));
    const g = [svg('rect', { x: 1, y: 1, width: W - 2, height: h - 2, class: 'map-bg' })];
    for (let lon = -12; lon <= 4; lon += 4) g.push(svg('line', { x1: x(lon), x2: x(lon), y1: 10, y2: h - 10, class: 'grid' }));
    for (let lat = 12; lat <= 24; lat += 4) g.push(svg('line', { x1: 20, x2: W - 20, y1: y(lat), y2: y(lat), class: 'grid' }),
      svg('text', { x: 24, y: y(lat) - 3, class: 'tick' }, lat + '°N'));
    for (const r of m.rows) {
      if (!r.at) continue;
      const v = cellOf(r, col), cx = x(r.at[1]), cy = y(r.at[0]);
      const rad = v.protected ? 8 : 4 + 26 * Math.sqrt((v.count || 0) / max);
      g.push(svg('circle', { cx, cy, r: rad, class: v.protected ? 'hatch' : 'dot', fill: v.protected ? 'url(#hatch)' : null }),
        svg('text', { x: cx + rad + 3, y: cy + 4, class: 'val' }, `${r.label} : ${shown(v)}`));
    }
    return el('div', { class: 'chart-box' }, chartFrame({ caption: t('map') + ' — ' + m.caption }, h, g));
  }

  // ---- views ------------------------------------------------------------
  const incidentFilter = (f) => {
    const x = {};
    if (f.loc) x.localities = [f.loc];
    if (f.vt) x.violationTypes = [f.vt];
    return x;
  };
  const locFilter = (f) => (f.loc ? { localities: [f.loc] } : {});
  const byGroup = (list, dims) => list.filter((c) => c.groupedBy.length === dims.length && dims.every((d) => c.groupedBy.includes(d)));
  const pick = (c, ...fields) => {
    const o = { count: c.count, protected: c.protected };
    return fields.length ? Object.fromEntries(fields.map((f) => [f, { count: c[f], protected: c.protected }])) : o;
  };
  function months(f) {
    const out = [];
    const end = Math.min(Date.UTC(f.to + 1, 0, 1), Date.now());
    for (let d = new Date(Date.UTC(f.from, 0, 1)); d.getTime() < end; d.setUTCMonth(d.getUTCMonth() + 1)) out.push(d.toISOString().replace('.000Z', 'Z'));
    return out;
  }
  const monthRows = (f, cells, keyOf) => months(f).map((iso) => ({ key: iso, label: monthName(iso), short: monthName(iso), cells: keyOf(iso) }));
  const isoOf = (p) => new Date(p.start).toISOString().replace('.000Z', 'Z');

  const VIEWS = [
    {
      id: 'time', title: 'vTime',
      query: (f) => ({
        query: `query DashboardOverTime($by: [IncidentDimension!]!, $from: Time, $to: Time, $filter: IncidentAggregateFilter) {
          incidentAggregate(groupBy: $by, bucket: MONTH, from: $from, to: $to, filter: $filter) {
            threshold noiseBound
            cells { groupedBy period { start } violationType { id code labelFr labelEn } status count protected }
            totals { groupedBy period { start } violationType { id } status count protected } } }`,
        variables: { by: ['PERIOD', f.stack], ...range(f), filter: incidentFilter(f) },
      }),
      panels(d, f) {
        const a = d.incidentAggregate;
        const keyOf = (c) => (f.stack === 'STATUS' ? c.status : c.violationType && c.violationType.id);
        const keys = new Map();
        for (const c of a.cells) if (keyOf(c)) keys.set(keyOf(c), f.stack === 'STATUS' ? label(c.status) : typeLabel(c.violationType));
        let cols = [...keys].map(([key, l]) => ({ key, label: l }));
        if (f.stack === 'STATUS') cols = STATUSES.filter((s) => keys.has(s)).map((s) => ({ key: s, label: label(s) }));
        else cols.sort((x, y) => x.label.localeCompare(y.label, locale()));
        const grid = {};
        for (const c of a.cells) (grid[isoOf(c.period)] ||= {})[keyOf(c)] = pick(c);
        for (const c of byGroup(a.totals, ['PERIOD'])) (grid[isoOf(c.period)] ||= {}).total = pick(c);
        const rows = monthRows(f, a.cells, (iso) => grid[iso] || {});
        const m = { id: 'time', caption: t('vTimeCap', t(f.stack)), rowHead: t('month'), cols: cols.concat([{ key: 'total', label: t('total') }]), rows };
        return [{ m, chart: stackedBars(m, cols) }];
      },
    },
    {
      id: 'locality', title: 'vLoc',
      query: (f) => ({
        query: `query DashboardByLocality($level: LocalityLevel!, $from: Time, $to: Time, $filter: IncidentAggregateFilter) {
          incidentAggregate(groupBy: [LOCALITY], localityLevel: $level, from: $from, to: $to, filter: $filter) {
            threshold noiseBound
            cells { groupedBy locality { id name } count protected }
            totals { groupedBy count protected } } }`,
        variables: { level: f.level, ...range(f), filter: incidentFilter(f) },
      }),
      panels(d, f) {
        const a = d.incidentAggregate;
        const rows = a.cells.map((c) => {
          const l = c.locality && ref && ref.byId.get(c.locality.id);
          return { key: c.locality ? c.locality.id : 'above', label: c.locality ? c.locality.name : t('aboveLevel'), at: l && l.at, cells: { count: pick(c) } };
        }).sort((x, y) => x.label.localeCompare(y.label, 'fr'));
        const tot = byGroup(a.totals, [])[0];
        if (tot) rows.push({ key: 'total', label: t('total'), cells: { count: pick(tot) } });
        const m = { id: 'locality', caption: t('vLocCap', t(f.level).toLowerCase()), rowHead: t(f.level), cols: [{ key: 'count', label: t('count') }], rows };
        const places = { ...m, rows: rows.filter((r) => r.key !== 'total') };
        return [{ m, chart: el('div', { class: 'pair' }, map(places, 'count'), hBars(places, 'count')) }];
      },
    },
    {
      id: 'status', title: 'vStatus',
      query: (f) => ({
        query: `query DashboardByStatus($from: Time, $to: Time, $filter: IncidentAggregateFilter) {
          incidentAggregate(groupBy: [STATUS], from: $from, to: $to, filter: $filter) {
            threshold noiseBound
            cells { groupedBy status count protected }
            totals { groupedBy count protected } } }`,
        variables: { ...range(f), filter: incidentFilter(f) },
      }),
      panels(d) {
        const a = d.incidentAggregate;
        const got = Object.fromEntries(a.cells.map((c) => [c.status, pick(c)]));
        const rows = STATUSES.map((s) => ({ key: s, label: label(s), cells: { count: got[s] } }));
        const tot = byGroup(a.totals, [])[0];
        if (tot) rows.push({ key: 'total', label: t('total'), cells: { count: pick(tot) } });
        const m = { id: 'status', caption: t('vStatusCap'), rowHead: t('status'), cols: [{ key: 'count', label: t('count') }], rows };
        const funnel = { ...m, rows: FUNNEL.map((s) => rows.find((r) => r.key === s)) };
        return [{ m, chart: hBars(funnel, 'count', true) }];
      },
    },
    {
      id: 'victims', title: 'vVictims',
      query: (f) => ({
        query: `query DashboardVictims($from: Time, $to: Time, $filter: InvolvementAggregateFilter) {
          involvementAggregate(groupBy: [AGE_BRACKET, GENDER], from: $from, to: $to, filter: $filter) {
            threshold noiseBound
            cells { groupedBy gender ageBracket count protected }
            totals { groupedBy gender ageBracket count protected } } }`,
        variables: { ...range(f), filter: { ...incidentFilter(f), roles: ['VICTIM'] } },
      }),
      panels(d) {
        const a = d.involvementAggregate;
        const grid = {};
        for (const c of a.cells) (grid[c.ageBracket] ||= {})[c.gender] = pick(c);
        for (const c of byGroup(a.totals, ['AGE_BRACKET'])) (grid[c.ageBracket] ||= {}).total = pick(c);
        const cols = GENDERS.map((g) => ({ key: g, label: label(g) }));
        const rows = AGES.map((k) => ({ key: k, label: label(k), cells: grid[k] || {} }));
        const gt = {};
        for (const c of byGroup(a.totals, ['GENDER'])) gt[c.gender] = pick(c);
        const all = byGroup(a.totals, [])[0];
        if (all) gt.total = pick(all);
        rows.push({ key: 'total', label: t('total'), cells: gt });
        const m = { id: 'victims', caption: t('vVictimsCap'), rowHead: t('age'), cols: cols.concat([{ key: 'total', label: t('total') }]), rows };
        return [{ m, chart: stackedBars({ ...m, rows: rows.slice(0, -1) }, cols) }];
      },
    },
    {
      id: 'activities', title: 'vAct', notFiltered: ['typeW'],
      query: (f) => ({
        query: `query DashboardActivities($from: Time, $to: Time, $filter: ActivityAggregateFilter) {
          activityAggregate(groupBy: [KIND, PERIOD], bucket: MONTH, from: $from, to: $to, filter: $filter) {
            threshold noiseBound
            cells { groupedBy kind period { start } count women men youth securityForces protected }
            totals { groupedBy kind period { start } count women men youth securityForces protected } } }`,
        variables: { ...range(f), filter: locFilter(f) },
      }),
      panels(d, f) {
        const a = d.activityAggregate;
        const fields = ['count', 'women', 'men', 'youth', 'securityForces'];
        const cols = fields.map((k) => ({ key: k, label: t(k) }));
        const byKind = Object.fromEntries(byGroup(a.totals, ['KIND']).map((c) => [c.kind, pick(c, ...fields)]));
        const rows = KINDS.map((k) => ({ key: k, label: label(k), cells: byKind[k] || {} }));
        const all = byGroup(a.totals, [])[0];
        if (all) rows.push({ key: 'total', label: t('total'), cells: pick(all, ...fields) });
        const m1 = { id: 'activities-kind', caption: t('vActKind'), rowHead: t('kind'), cols, rows };
        const byMonth = {};
        for (const c of byGroup(a.totals, ['PERIOD'])) byMonth[isoOf(c.period)] = pick(c, ...fields);
        const m2 = { id: 'activities-time', caption: t('vActTime'), rowHead: t('month'), cols: cols.slice(1), rows: monthRows(f, null, (iso) => byMonth[iso] || {}) };
        return [{ m: m1, chart: hBars({ ...m1, rows: rows.filter((r) => r.key !== 'total') }, 'count') },
          { m: m2, chart: stackedBars(m2, cols.slice(1, 3)) }];
      },
    },
    {
      id: 'recommendations', title: 'vRec', notFiltered: ['periodW', 'typeW'],
      query: (f) => ({
        query: `query DashboardRecommendations($filter: RecommendationAggregateFilter) {
          recommendationAggregate(groupBy: [STATUS, ADDRESSEE], filter: $filter) {
            threshold noiseBound
            cells { groupedBy status addressee { id name } count overdue protected }
            totals { groupedBy status addressee { id name } count overdue protected } } }`,
        variables: { filter: locFilter(f) },
      }),
      panels(d) {
        const a = d.recommendationAggregate;
        const fields = ['count', 'overdue'];
        const cols = fields.map((k) => ({ key: k, label: t(k) }));
        const byStatus = Object.fromEntries(byGroup(a.totals, ['STATUS']).map((c) => [c.status, pick(c, ...fields)]));
        const all = byGroup(a.totals, [])[0];
        const total = all ? [{ key: 'total', label: t('total'), cells: pick(all, ...fields) }] : [];
        const rows1 = REC_STATUSES.map((s) => ({ key: s, label: label(s), cells: byStatus[s] || {} }));
        const rows2 = byGroup(a.totals, ['ADDRESSEE']).map((c) => ({ key: c.addressee ? c.addressee.id : 'none', label: c.addressee ? c.addressee.name : '–', cells: pick(c, ...fields) }))
          .sort((x, y) => x.label.localeCompare(y.label, 'fr'));
        const m1 = { id: 'recommendations-status', caption: t('vRecStatus'), rowHead: t('status'), cols, rows: rows1.concat(total) };
        const m2 = { id: 'recommendations-addressee', caption: t('vRecAddr'), rowHead: t('addressee'), cols, rows: rows2.concat(total) };
        return [{ m: m1, chart: hBars({ ...m1, rows: rows1 }, 'count') }, { m: m2, chart: stackedBars({ ...m2, rows: rows2 }, cols.slice(0, 1)) }];
      },
    },
  ];

  // ---- loading and drawing ----------------------------------------------
  const results = {}; // view id -> {state, data, at, code, message}
  let generation = 0;

  function renderView(v) {
    const r = results[v.id] || { state: 'loading' };
    const sec = document.getElementById('view-' + v.id) || el('section', { id: 'view-' + v.id, class: 'view', 'aria-labelledby': 'view-' + v.id + '-title' });
    sec.setAttribute('data-state', r.state);
    if (r.code) sec.setAttribute('data-code', r.code); else sec.removeAttribute('data-code');
    sec.replaceChildren(el('h2', { id: 'view-' + v.id + '-title' }, t(v.title)));
    if (v.notFiltered) sec.append(el('p', { class: 'hint' }, t('notFiltered', v.notFiltered.map((k) => t(k)).join(', '))));
    if (r.state === 'loading') sec.append(el('p', { class: 'hint' }, t('loading')));
    else if (r.state === 'unavailable') sec.append(el('p', { class: 'unavailable' }, r.code === 'FORBIDDEN' ? t('unavailableRole') : t('unavailableServer')));
    else if (r.state === 'error') sec.append(el('p', { class: 'error' }, t('failed', r.code + (r.message ? ' — ' + r.message : ''))));
    else {
      for (const p of v.panels(r.data, filters)) {
        sec.append(el('figure', { class: 'panel', id: 'panel-' + p.m.id },
          el('h3', {}, p.m.caption), p.chart, table(p.m), csvButton(p.m)));
      }
    }
    return sec;
  }

  function renderLegend() {
    const box = document.getElementById('legend');
    const ready = VIEWS.map((v) => results[v.id]).filter((r) => r && r.state === 'ready');
    if (!ready.length) { box.hidden = true; return; }
    const answers = ready.map((r) => Object.values(r.data)[0]);
    const protectedOnes = answers.filter((a) => a.threshold != null);
    box.hidden = false;
    box.replaceChildren(el('h2', {}, t('legendTitle')));
    if (!protectedOnes.length) { box.append(el('p', { id: 'legend-text', 'data-threshold': '' }, t('legendExact'))); return; }
    const th = Math.max(...protectedOnes.map((a) => a.threshold));
    const nb = Math.max(...protectedOnes.map((a) => a.noiseBound));
    box.append(el('p', { id: 'legend-text', 'data-threshold': th, 'data-noise-bound': nb },
      el('span', { class: 'prot prot-sample' }, el('span', { 'aria-hidden': 'true' }, '▨ '), t('protected')), ' ', t('legend', num(th), num(nb))));
  }

  function renderOffline() {
    const box = document.getElementById('offline');
    const times = VIEWS.map((v) => results[v.id]).filter((r) => r && r.at).map((r) => r.at);
    box.hidden = !times.length;
    box.textContent = times.length ? t('offline', when(Math.min(...times))) : '';
  }

  // renderAll redraws the whole page in the current language. The control
  // that had the focus is drawn anew: the focus goes to its new self, so
  // that a keyboard user stays where they were.
  function renderAll() {
    const focused = document.activeElement && document.activeElement.id;
    renderPage();
    const again = focused && document.getElementById(focused);
    if (again && again !== document.activeElement) again.focus();
  }

  function renderPage() {
    document.documentElement.lang = lang;
    document.title = t('title');
    for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
    const b = document.getElementById('lang');
    b.textContent = t('other'); b.setAttribute('lang', t('otherLang'));
    renderSignin();
    renderFilters();
    const views = document.getElementById('views');
    if (!session || signinState.state !== 'signed-in') { views.replaceChildren(); renderLegend(); renderOffline(); return; }
    views.replaceChildren(...VIEWS.map(renderView));
    renderLegend();
    renderOffline();
    body.setAttribute('data-state', VIEWS.every((v) => results[v.id] && results[v.id].state !== 'loading') ? 'ready' : 'loading');
  }

  function loadViews() {
    const gen = ++generation;
    for (const v of VIEWS) results[v.id] = { state: 'loading' };
    renderAll();
    for (const v of VIEWS) {
      const { query, variables } = v.query(filters);
      // An answer to an earlier sign-in or filter is dropped.
      gql(query, variables).then(({ data, at }) => { if (gen === generation) results[v.id] = { state: 'ready', data, at }; },
        (e) => {
          const unavailable = UNAVAILABLE.includes(e.code);
          if (gen === generation) results[v.id] = { state: unavailable ? 'unavailable' : 'error', code: e.code, message: unavailable ? '' : e.message };
        }).then(() => {
        if (gen !== generation) return;
        const sec = document.getElementById('view-' + v.id);
        if (sec) sec.replaceWith(renderView(v));
        renderLegend();
        renderOffline();
        body.setAttribute('data-state', VIEWS.every((x) => results[x.id] && results[x.id].state !== 'loading') ? 'ready' : 'loading');
      });
    }
  }

  async function loadAll() {
    generation++;
    for (const k of Object.keys(results)) delete results[k];
    body.setAttribute('data-state', 'loading');
    if (!session) { signinState = { state: 'anonymous' }; renderAll(); return; }
    signinState = { state: 'checking' };
    renderAll();
    try {
      await loadRef();
      signinState = { state: 'signed-in' };
    } catch (e) {
      if (e.code === 'UNAUTHENTICATED' || e.code === 'NETWORK') {
        signinState = { state: 'refused', code: e.code, message: e.message };
        renderAll();
        return;
      }
      // The role may not list localities or types: the views still load,
      // the filters offer "all" only.
      ref = { localities: [], byId: new Map(), types: [] };
      signinState = { state: 'signed-in' };
    }
    loadViews();
  }

  document.getElementById('lang').addEventListener('click', () => {
    lang = lang === 'fr' ? 'en' : 'fr';
    localStorage.setItem(LANG_KEY, lang);
    renderAll();
    document.getElementById('lang').focus();
  });
  window.addEventListener('online', () => { if (session) loadAll(); });
  document.getElementById('filters').addEventListener('submit', (e) => e.preventDefault());

  // One hidden SVG holds the hatching every chart refers to.
  document.body.append(svg('svg', { width: 0, height: 0, class: 'defs', 'aria-hidden': 'true', focusable: 'false' },
    svg('defs', {}, svg('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, class: 'hatch-bg' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line' })))));

  if (body.dataset.worker && 'serviceWorker' in navigator) {
    navigator.serviceWorker.register(body.dataset.worker).catch(() => { /* no offline copy of the page */ });
  }
  loadDemoUsers().then(loadAll);
})();
