package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/policy"
)

func token(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSetEnv("token", "--user SUBJECT [flags]", "Prints an HS256 token, signed with BENKAN_JWT_SECRET, for a user of the\ndatabase. For development and scripts.", stdout, allFlags)
	dbCfg := databaseFlags(fs)
	authCfg := authFlags(fs)
	subject := fs.String("user", "", "subject of the user the token is for (required)")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *subject == "" {
		return usagef("--user is required: the subject of a user of the database, e.g. --user admin")
	}
	secret, err := jwtSecret()
	if err != nil {
		return err
	}
	if secret == nil {
		return fmt.Errorf("%s is not set: there is no secret to sign with", envJWTSecret)
	}
	db, err := openExisting(ctx, dbCfg)
	if err != nil {
		return err
	}
	defer db.Close()
	ok, err := db.Client.User.Query().Where(user.Subject(*subject)).Exist(policy.SystemContext(ctx))
	if err != nil {
		return fmt.Errorf("look up user: %w", err)
	}
	if !ok {
		return fmt.Errorf("no user with subject %q in %s", *subject, describe(dbCfg))
	}
	tok, err := auth.Sign(secret, authCfg.Issuer, authCfg.Audience, *subject, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
