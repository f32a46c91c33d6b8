package demo

import (
	"context"
	"fmt"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/user"
)

// Assignment is a role a demo user holds in a domain, as the policy engine
// assigns it.
type Assignment struct {
	// Subject is the user's token subject.
	Subject string
	// Role is the role's name.
	Role string
	// Domain is "*" (everywhere) or the id of a locality.
	Domain string
}

// Assignments returns the role assignments of the demo users (see Users)
// that exist in the database: one per locality of the user, or one in
// domain "*" for a user without localities. It writes nothing; ctx must
// allow reading users and localities (policy.SystemContext).
func Assignments(ctx context.Context, client *ent.Client) ([]Assignment, error) {
	subjects := make([]string, len(Users))
	var names []string
	for i, u := range Users {
		subjects[i] = u.Subject
		names = append(names, u.Localities...)
	}
	present, err := client.User.Query().Where(user.SubjectIn(subjects...)).Select(user.FieldSubject).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: load users: %w", err)
	}
	exists := map[string]bool{}
	for _, s := range present {
		exists[s] = true
	}
	communes, err := client.Locality.Query().
		Where(locality.LevelEQ(locality.LevelCOMMUNE), locality.NameIn(names...)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: load communes: %w", err)
	}
	byName := map[string][]string{}
	for _, c := range communes {
		byName[c.Name] = append(byName[c.Name], string(c.ID))
	}
	var out []Assignment
	for _, u := range Users {
		if !exists[u.Subject] {
			continue
		}
		if len(u.Localities) == 0 {
			out = append(out, Assignment{Subject: u.Subject, Role: u.Role, Domain: "*"})
			continue
		}
		for _, name := range u.Localities {
			ids := byName[name]
			if len(ids) != 1 {
				return nil, fmt.Errorf("demo: user %s: %d communes named %s, want one", u.Subject, len(ids), name)
			}
			out = append(out, Assignment{Subject: u.Subject, Role: u.Role, Domain: ids[0]})
		}
	}
	return out, nil
}
