package graph

import (
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/graph/generated"
	"github.com/benkan-project/benkan/policy/store"
)

// Config tunes the GraphQL server. The zero value of a field means its default.
type Config struct {
	// Introspection lets clients read the schema (the playground needs it).
	Introspection bool
	// Limits bound each operation; see Limits. A zero limit is its
	// DefaultLimits value.
	Limits Limits
	// ParserTokenLimit bounds the number of tokens in a query document,
	// so that a huge document is refused before it is parsed whole.
	ParserTokenLimit int
	// Logger receives internal errors and panics; slog.Default() if nil.
	Logger *slog.Logger
	// PseudonymKey keys the pseudonyms of actors (see Actor.pseudonym). It
	// must stay the same across restarts for pseudonyms to stay stable.
	PseudonymKey []byte
	// NoAccessControl leaves the Access extension out: no field masks, no
	// checks of filters and orderings. Only for the benchmarks' "access
	// control off" baseline (benkan serve --no-access-control with
	// BENKAN_BENCH=1), whose requests also run past the row rules.
	NoAccessControl bool
	// NoReadAudit keeps access control but writes no audit event of
	// sensitive reads. Only for the benchmarks' baseline of the audit's
	// cost (benkan serve --no-read-audit with BENKAN_BENCH=1).
	NoReadAudit bool
	// Policy is the policy store the admin API reads and changes; without
	// it the policy fields answer UNAVAILABLE.
	Policy *store.Store
	// Operations, when set, is the allow-list of the only operations the
	// server runs (see Operations), in place of automatic persisted
	// queries.
	Operations *Operations
	// OwnDocuments are the documents the server's own pages send as text,
	// the dashboard's (dashboard.Documents) when it is served: under
	// Operations they run as listed documents do, so that the server's own
	// pages work under an allow-list. The exports' documents
	// (ExportDocuments) run under it too, always: the exports are served
	// always. Any other document stays refused; without Operations, this
	// changes nothing.
	OwnDocuments []string

	// Extensions are registered after benkan's own (a tracer, say). A
	// field interceptor among them sees every field: plain fields are then
	// resolved through the interceptors, as every other field (see
	// Access.plain).
	Extensions []graphql.HandlerExtension
}

// NewServer returns the GraphQL handler over client: GET and POST
// transports (GET serves queries only), a parsed-query cache, automatic
// persisted queries or an allow-list of persisted operations, the
// operation limits, cursor checks, one transaction
// per mutation, and error presentation with stable codes.
func NewServer(client *ent.Client, cfg Config) *handler.Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = benkan.Logger(cfg.Logger)
	cfg.Limits = cfg.Limits.WithDefaults()
	if cfg.ParserTokenLimit == 0 {
		cfg.ParserTokenLimit = 15_000
	}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{
		Schema:    ServedSchema(), // what introspection shows; see ServedSchema
		Resolvers: &Resolver{client: client, pseudonymKey: cfg.PseudonymKey, policy: cfg.Policy},
	}))
	// Every extension is registered through use, which counts the field
	// interceptors: Access lets plain fields skip its InterceptField only
	// if it is the only one (see Access.plain), since they skip every
	// field interceptor. One added to the returned server (Use,
	// AroundFields) would not be counted: add it here.
	var access *Access
	others := 0
	use := func(e graphql.HandlerExtension) {
		if _, ok := e.(graphql.FieldInterceptor); ok && e != graphql.HandlerExtension(access) {
			others++
		}
		srv.Use(e)
	}
	srv.AddTransport(transport.Options{})
	srv.AddTransport(get{})
	srv.AddTransport(post{})
	queries := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queries)
	srv.SetParserTokenLimit(cfg.ParserTokenLimit)
	if cfg.Introspection {
		use(extension.Introspection{})
	} else {
		// Without the schema, a client must not learn field names from
		// "Did you mean …?" either.
		srv.SetDisableSuggestion(true)
		use(noIntrospection{})
	}
	if cfg.Operations != nil {
		use(newAllowlist(cfg.Operations, append(ExportDocuments(), cfg.OwnDocuments...)))
	} else {
		use(persistedQueries{cache: lru.New[string](1000)})
	}
	use(&strictEnums{})
	use(beforeValidation{limits: cfg.Limits, cache: queries, tokenLimit: cfg.ParserTokenLimit})
	use(cfg.Limits)
	// transactions comes before Access so that, for a mutation, Access
	// runs inside the transaction and writes the audit of the response's
	// reads in it (see Access.InterceptResponse).
	use(transactions{client: client, log: cfg.Logger})
	if !cfg.NoAccessControl {
		access = &Access{client: client, log: cfg.Logger, noReadAudit: cfg.NoReadAudit}
		use(access)
	}
	use(cursorCheck{})
	for _, e := range cfg.Extensions {
		use(e)
	}
	if access != nil {
		access.plain = others == 0
	} else if others == 0 {
		// No field interceptor at all (the benchmarks' server without
		// access control): nothing to skip, so every plain field is
		// written directly, as Access lets it where it decides so; the
		// baseline then measures what access control costs, not this.
		srv.Use(plainWithoutInterceptors{})
	}
	srv.SetErrorPresenter(presentError(cfg.Logger))
	srv.SetRecoverFunc(recoverPanic(cfg.Logger))
	return srv
}
