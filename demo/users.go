package demo

import (
	"context"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// User is a demo account and the role it is given.
type User struct {
	// Subject is the `sub` claim of the user's tokens.
	Subject string
	// DisplayName is the name shown; visibly fictitious for every user but
	// the project's coordinator, who is named in the press.
	DisplayName string
	// Role is the Casbin role the user holds: admin, amdh_coordinator,
	// amdh_monitor, dihr_partner or fsi_liaison.
	Role string
	// Organization is the name of the user's organization.
	Organization string
	// Localities are the names of the communes where the user holds the
	// role; none means everywhere.
	Localities []string
}

// Users are the demo accounts Load writes, one or more per role.
var Users = []User{
	{Subject: "admin", DisplayName: "Administrateur benkan", Role: "admin", Organization: orgAMDH},
	{Subject: "sory.diakite", DisplayName: "Sory Diakité", Role: "amdh_coordinator", Organization: orgAMDH},
	{Subject: "monitor.niono", DisplayName: "Moniteur fictif — Niono", Role: "amdh_monitor", Organization: orgAMDH, Localities: []string{"Niono"}},
	{Subject: "monitor.kayes", DisplayName: "Moniteur fictif — Kayes", Role: "amdh_monitor", Organization: orgAMDH, Localities: []string{"Kayes"}},
	{Subject: "monitor.fourou", DisplayName: "Monitrice fictive — Fourou", Role: "amdh_monitor", Organization: orgAMDH, Localities: []string{"Fourou"}},
	{Subject: "dihr.officer", DisplayName: "Chargé de programme fictif — DIHR", Role: "dihr_partner", Organization: orgDIHR},
	{Subject: "fsi.niono", DisplayName: "Point focal fictif — " + unitPoliceNiono, Role: "fsi_liaison", Organization: unitPoliceNiono, Localities: []string{"Niono"}},
	{Subject: "fsi.kayes", DisplayName: "Point focal fictif — " + unitGendKayes, Role: "fsi_liaison", Organization: unitGendKayes, Localities: []string{"Kayes"}},
}

// loadUsers writes Users.
func (l *loader) loadUsers(ctx context.Context) error {
	builders := make([]*ent.UserCreate, len(Users))
	for i, u := range Users {
		builders[i] = l.c.User.Create().
			SetSubject(u.Subject).
			SetDisplayName(u.DisplayName).
			SetOrganizationID(idOf(l.orgs, u.Organization))
	}
	created, err := l.c.User.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return err
	}
	l.users = make(map[string]gid.ID, len(created))
	for _, u := range created {
		l.users[u.Subject] = u.ID
	}
	return nil
}
