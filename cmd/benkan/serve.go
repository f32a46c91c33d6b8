package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/web/dashboard"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "Runs the GraphQL API server: GraphQL at /graphql, the playground at /,\nthe dashboard at /dashboard/, probes at /healthz (process up) and /readyz (database reachable).\nThe database schema is migrated at start. Tokens are HS256 with the secret\nin BENKAN_JWT_SECRET, or RS256/ES256 from --jwks-url.", stdout)
	dbCfg := databaseFlags(fs)
	authCfg := authFlags(fs)
	logger := logFlags(fs, stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	withDemo := fs.Bool("demo", false, "load the demo data at start if the database is empty; without BENKAN_JWT_SECRET, use a random secret and print a token per demo user")
	introspection := fs.Bool("introspection", true, "let clients read the GraphQL schema (the playground needs it)")
	playground := fs.Bool("playground", true, "serve the GraphQL playground at /")
	withDashboard := fs.Bool("dashboard", true, "serve the partner dashboard at /dashboard/")
	maxBody := fs.Int64("max-body-bytes", 1<<20, "largest request body accepted")
	limits := limitFlags(fs)
	grace := fs.Duration("shutdown-grace", 30*time.Second, "how long in-flight requests may run on after SIGINT or SIGTERM")
	noAccessControl := fs.Bool("no-access-control", false, "BENCHMARKS ONLY, refused unless BENKAN_BENCH=1: no authentication, no row filters, no field masks (the harness's \"access control off\" baseline)")
	noReadAudit := fs.Bool("no-read-audit", false, "BENCHMARKS ONLY, refused unless BENKAN_BENCH=1: access control as usual, but reads of sensitive fields are not written to the audit log (the baseline of the audit's cost, see BENCHMARKS.md)")
	pprofAddr := fs.String("pprof-addr", "", "benchmarks only, refused unless BENKAN_BENCH=1: serve net/http/pprof on this loopback address, e.g. 127.0.0.1:6060")
	policyTests := fs.String(policyTestsFlag, "", policyTestsUsage+" (by the GraphQL admin API and the command line alike)")
	corsOrigins := &listFlag{}
	fs.Var(corsOrigins, "cors-origin", "an origin whose browser pages may call /graphql and /export/*, like https://dashboard.example.org; repeat the flag or separate origins with commas (none by default: same origin only)")
	allowlistFile := fs.String("operations-allowlist", "", "a file of the only operations the server runs, sent by id: Apollo's persisted query manifest or graphql-codegen's persisted-documents.json (none by default: any operation, and automatic persisted queries)")
	policyApproval := fs.Bool(policyApprovalFlag, false, policyApprovalUsage+" (run the command line with it too)")
	auditHeads := fs.Duration("audit-head-every", 10*time.Minute, "log the audit chain's head (\"audit head\": seq, hash, anchor) at start and then this often while it moves, for `benkan audit verify --anchor`; 0: never")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *auditHeads < 0 {
		return usagef("--audit-head-every %s: want a duration, 0 or more (10m, 1h; 0: never)", *auditHeads)
	}
	var operations *graph.Operations
	if *allowlistFile != "" {
		ops, err := graph.LoadOperations(*allowlistFile)
		if err != nil {
			return err
		}
		operations = ops
	}
	origins, err := server.ParseOrigins(corsOrigins.values...)
	if err != nil {
		return fmt.Errorf("--cors-origin: %w", err)
	}
	expect, err := serveExpectations(*policyTests)
	if err != nil {
		return err
	}
	lim, err := limits()
	if err != nil {
		return err
	}
	if *noReadAudit && os.Getenv(envBench) != "1" {
		return fmt.Errorf("--no-read-audit is for benchmarks only: it serves sensitive fields unaudited; it is refused unless %s=1", envBench)
	}
	bench, err := newBenchMode(*noAccessControl, *pprofAddr)
	if err != nil {
		return err
	}
	if bench != nil {
		bench.noReadAudit = *noReadAudit
	}
	log, err := logger()
	if err != nil {
		return err
	}
	bench.warn(log)
	if operations != nil {
		log.Info("operations allow-list: only its operations run, and the server's own pages' (the exports', the dashboard's if served)", "file", *allowlistFile, "operations", operations.Len())
	}
	tuneGC(os.Getenv, log)
	secret, err := jwtSecret()
	if err != nil {
		return err
	}
	// randomSecret: the tokens this process signs hold on no other server.
	randomSecret := false
	if secret == nil && (*withDemo || *noAccessControl) {
		secret, randomSecret = auth.RandomSecret(), true
		log.Warn("demo or bench mode: BENKAN_JWT_SECRET is not set, so tokens are signed with a random secret valid until the server stops")
	}
	if secret == nil && authCfg.JWKSURL == "" {
		return fmt.Errorf("no way to verify tokens: set %s or --jwks-url (or run with --demo)", envJWTSecret)
	}
	authCfg.Secret = secret
	pseudoKey, err := pseudonymKey(secret)
	if err != nil {
		return err
	}

	bench.wrapDriver(dbCfg)
	db, err := openMigrated(ctx, dbCfg)
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("database ready", "database", describe(dbCfg))
	engine := policy.NewEngine(db.Client)
	policies, err := openServeStore(ctx, db, engine, log, expect, *policyApproval)
	if err != nil {
		return err
	}
	var demoCfg *server.Demo
	if *withDemo {
		if err := loadDemo(ctx, db, policies, log); err != nil {
			return err
		}
		if randomSecret {
			demoCfg = demoSignIn(secret, authCfg)
			log.Warn("demo mode: " + server.DemoUsersPath + " gives anyone who can reach the server a token of every demo user, admin included; never run --demo on a production server")
		} else {
			log.Warn("demo mode: the playground's \"sign in as\" is off because " + envJWTSecret + " is set: tokens it handed out would hold on every server sharing that secret; paste a printed token, or unset " + envJWTSecret)
		}
		if secret != nil {
			if err := printDemoTokens(stdout, secret, authCfg); err != nil {
				return err
			}
		}
	}
	go policies.Watch(ctx)
	if *auditHeads > 0 {
		go audit.LogHeads(ctx, db.Client, log, *auditHeads)
	}
	verifier, err := auth.NewVerifier(ctx, *authCfg)
	if err != nil {
		return err
	}

	gql := graph.NewServer(db.Client, graph.Config{
		Introspection:   *introspection,
		Limits:          lim.graph,
		Logger:          log,
		PseudonymKey:    pseudoKey,
		Policy:          policies,
		NoAccessControl: *noAccessControl,
		Operations:      operations,
		OwnDocuments:    dashboard.DocumentsIfServed(*withDashboard),
		NoReadAudit:     *noReadAudit,
	})
	h := bench.handler(server.Config{
		GraphQL:        gql,
		Verifier:       verifier,
		Viewers:        engine,
		Previews:       engine,
		Ready:          db.Ping,
		MaxBodyBytes:   *maxBody,
		RequestTimeout: lim.timeout,
		RateLimit:      lim.rateLimit,
		Playground:     *playground,
		Dashboard:      *withDashboard,
		CORS:           server.CORS{Origins: origins},
		Demo:           demoCfg,
		Logger:         log,
	})
	if err := bench.startPprof(ctx, log); err != nil {
		return err
	}
	return server.Run(ctx, *addr, h, *grace, log, nil)
}
