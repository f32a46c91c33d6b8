package demo

import (
	"context"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/gid"
)

// Names of the organizations the demo refers to.
const (
	orgAMDH         = "Association Malienne des Droits de l'Homme"
	orgDIHR         = "Institut Danois des Droits de l'Homme (Danish Institute for Human Rights)"
	orgPolice       = "Police nationale"
	orgGendarmerie  = "Gendarmerie nationale"
	orgGarde        = "Garde nationale"
	orgProtection   = "Protection civile"
	unitPoliceNiono = "Commissariat de police de Niono"
	unitPoliceKayes = "Commissariat de police de Kayes"
	unitGendKayes   = "Brigade de gendarmerie de Kayes"
	unitGendFourou  = "Brigade de gendarmerie de Fourou"
	radioNiono      = "Radio communautaire de Niono (fictive)"
	radioKayes      = "Radio communautaire de Kayes (fictive)"
	radioFourou     = "Radio communautaire de Fourou (fictive)"
	youthFourou     = "Association des jeunes de Fourou (fictive)"
	youthKayes      = "Association des jeunes de Kayes (fictive)"
	womenNiono      = "Association des femmes de Niono (fictive)"
)

// orgSpec is an organization of the demo.
type orgSpec struct {
	name, acronym string
	kind          organization.Kind
	// parent is the name of the organization it belongs to, if any.
	parent string
	// commune is where it is based, if it is local.
	commune string
}

// orgSpecs are the organizations of the demo; those with a parent come
// after it.
var orgSpecs = []orgSpec{
	{name: orgAMDH, acronym: "AMDH", kind: organization.KindHUMAN_RIGHTS_NGO},
	{name: orgDIHR, acronym: "DIHR", kind: organization.KindFUNDER},
	{name: orgPolice, kind: organization.KindSECURITY_FORCE_CORPS},
	{name: orgGendarmerie, kind: organization.KindSECURITY_FORCE_CORPS},
	{name: orgGarde, kind: organization.KindSECURITY_FORCE_CORPS},
	{name: orgProtection, kind: organization.KindSECURITY_FORCE_CORPS},
	{name: radioNiono, kind: organization.KindMEDIA, commune: "Niono"},
	{name: radioKayes, kind: organization.KindMEDIA, commune: "Kayes"},
	{name: radioFourou, kind: organization.KindMEDIA, commune: "Fourou"},
	{name: womenNiono, kind: organization.KindCOMMUNITY_GROUP, commune: "Niono"},
	{name: youthKayes, kind: organization.KindCOMMUNITY_GROUP, commune: "Kayes"},
	{name: youthFourou, kind: organization.KindCOMMUNITY_GROUP, commune: "Fourou"},
	{name: unitPoliceNiono, kind: organization.KindSECURITY_FORCE_UNIT, parent: orgPolice, commune: "Niono"},
	{name: unitGendKayes, kind: organization.KindSECURITY_FORCE_UNIT, parent: orgGendarmerie, commune: "Kayes"},
	{name: unitPoliceKayes, kind: organization.KindSECURITY_FORCE_UNIT, parent: orgPolice, commune: "Kayes"},
	{name: unitGendFourou, kind: organization.KindSECURITY_FORCE_UNIT, parent: orgGendarmerie, commune: "Fourou"},
}

// unitsIn returns the names of the security-force units based in commune.
func unitsIn(commune string) []string {
	var out []string
	for _, o := range orgSpecs {
		if o.kind == organization.KindSECURITY_FORCE_UNIT && o.commune == commune {
			out = append(out, o.name)
		}
	}
	return out
}

// radioIn returns the name of the radio based in commune, or "".
func radioIn(commune string) string {
	for _, o := range orgSpecs {
		if o.kind == organization.KindMEDIA && o.commune == commune {
			return o.name
		}
	}
	return ""
}

// groupsIn returns the names of the community groups based in commune.
func groupsIn(commune string) []string {
	var out []string
	for _, o := range orgSpecs {
		if o.kind == organization.KindCOMMUNITY_GROUP && o.commune == commune {
			out = append(out, o.name)
		}
	}
	return out
}

// loadOrganizations writes orgSpecs: those without a parent, then the others.
func (l *loader) loadOrganizations(ctx context.Context) error {
	l.orgs = map[string]gid.ID{}
	for _, withParent := range []bool{false, true} {
		var builders []*ent.OrganizationCreate
		for _, o := range orgSpecs {
			if (o.parent != "") != withParent {
				continue
			}
			b := l.c.Organization.Create().SetName(o.name).SetKind(o.kind)
			if o.acronym != "" {
				b.SetAcronym(o.acronym)
			}
			if o.parent != "" {
				b.SetParentID(idOf(l.orgs, o.parent))
			}
			if o.commune != "" {
				b.SetLocalityID(idOf(l.communes, o.commune))
			}
			builders = append(builders, b)
		}
		created, err := l.c.Organization.CreateBulk(builders...).Save(ctx)
		if err != nil {
			return err
		}
		for _, o := range created {
			l.orgs[o.Name] = o.ID
		}
	}
	return nil
}
