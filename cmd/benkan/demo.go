package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/demo"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/storage"
)

// loadDemo loads the demo data into an empty database and gives the demo
// users their roles (both idempotent).
func loadDemo(ctx context.Context, db *storage.DB, policies *store.Store, log *slog.Logger) error {
	sys := policy.SystemContext(ctx)
	loaded, err := demo.Load(sys, db.Client)
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	assignments, err := demo.Assignments(sys, db.Client)
	if err != nil {
		return err
	}
	as := make([]store.Assignment, len(assignments))
	for i, a := range assignments {
		as[i] = store.Assignment{Subject: a.Subject, Role: a.Role, Domain: a.Domain}
	}
	if err := policies.EnsureAssigned(store.AsOperator(ctx, "benkan"), "the demo users' roles", as); err != nil {
		return err
	}
	if loaded {
		log.Info("demo data loaded into the empty database")
	} else {
		log.Info("demo data: the database is not empty, nothing added")
	}
	return nil
}

// printDemoTokens prints one ready token per demo user, one per line, as
// "demo token <subject> <role> <token>".
func printDemoTokens(w io.Writer, secret []byte, cfg *auth.Config) error {
	for _, u := range demo.Users {
		tok, err := auth.Sign(secret, cfg.Issuer, cfg.Audience, u.Subject, demoTokenTTL, time.Now())
		if err != nil {
			return fmt.Errorf("sign demo token: %w", err)
		}
		fmt.Fprintf(w, "demo token %s %s %s\n", u.Subject, u.Role, tok)
	}
	return nil
}

// demoTokenTTL is how long a demo token lives.
const demoTokenTTL = 12 * time.Hour

// demoSignIn is demo mode's sign-in for the playground: the demo users,
// each given a fresh token on request (server.DemoUsersPath). serve wires
// it only when secret is its own random one, so that the tokens it hands
// out hold on no other server.
func demoSignIn(secret []byte, cfg *auth.Config) *server.Demo {
	users := make([]server.DemoUser, len(demo.Users))
	for i, u := range demo.Users {
		users[i] = server.DemoUser{Subject: u.Subject, DisplayName: u.DisplayName, Organization: u.Organization, Localities: u.Localities}
	}
	return &server.Demo{
		Users: users,
		Sign: func(subject string) (string, time.Time, error) {
			now := time.Now()
			tok, err := auth.Sign(secret, cfg.Issuer, cfg.Audience, subject, demoTokenTTL, now)
			return tok, now.Add(demoTokenTTL), err
		},
	}
}
