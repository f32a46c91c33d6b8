package demo

import (
	"context"
	"fmt"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/gid"
)

// actorPlan is an actor to write.
type actorPlan struct {
	kind     actor.Kind
	category actor.Category
	gender   actor.Gender
	age      actor.AgeBracket
	fullName string
	contact  string // "" for none
	address  string // "" for none
	// collector is the subject of the user who recorded the actor, if any.
	collector string
	// org is the name of the unit a UNIT actor stands for.
	org string
}

// pool holds the indexes (in loader.actors) of a site's actors, by the
// part they play in its incidents.
type pool struct {
	victims   []int // people and groups who may be victims
	women     []int // the women among victims, for sexual violence
	groups    []int // civilian groups, victims or alleged attackers of FSI
	witnesses []int
	sources   []int
	agents    []int // individual FSI agents (unnamed)
	military  []int // individual FDS agents (unnamed)
	units     []int // the UNIT actors of the site's security-force units
}

// How many synthetic actors of each kind every project site has.
const (
	victimsPerSite   = 50
	groupsPerSite    = 10
	witnessesPerSite = 20
	sourcesPerSite   = 8
	agentsPerSite    = 8
	militaryPerSite  = 3
)

// groupKinds describe civilian groups: the description, the gender and the
// age bracket it implies.
var groupKinds = []struct {
	what   string
	gender actor.Gender
	age    actor.AgeBracket
}{
	{"commerçants du marché", actor.GenderUNKNOWN, actor.AgeBracketUNKNOWN},
	{"jeunes du quartier", actor.GenderMALE, actor.AgeBracketAGE_18_35},
	{"femmes commerçantes", actor.GenderFEMALE, actor.AgeBracketUNKNOWN},
	{"éleveurs transhumants", actor.GenderMALE, actor.AgeBracketUNKNOWN},
	{"transporteurs", actor.GenderMALE, actor.AgeBracketUNKNOWN},
	{"habitants", actor.GenderUNKNOWN, actor.AgeBracketUNKNOWN},
	{"orpailleurs", actor.GenderMALE, actor.AgeBracketAGE_18_35},
	{"riziculteurs", actor.GenderUNKNOWN, actor.AgeBracketUNKNOWN},
}

// actorMaker numbers the synthetic actors as it makes them.
type actorMaker struct {
	l *loader
	// seq is the number of synthetic actors so far; it makes the
	// fictitious telephone numbers.
	seq int
	// byLabel numbers actors within each label ("Victime fictive 017").
	byLabel map[string]int
}

// add plans a synthetic actor named "<label> NNN[ suffix]" at site s and
// returns its index.
func (m *actorMaker) add(s *site, label, suffix string, a actorPlan, withContact, withAddress bool) int {
	r := m.l.rng
	m.seq++
	m.byLabel[label]++
	a.fullName = fmt.Sprintf("%s %03d%s", label, m.byLabel[label], suffix)
	if withContact {
		a.contact = fmt.Sprintf("+223 00 00 %02d %02d (fictif)", m.seq/100, m.seq%100)
	}
	if withAddress {
		a.address = fmt.Sprintf("Quartier fictif %d, %s", between(r, 1, 12), s.commune)
	}
	a.collector = s.monitor
	m.l.actors = append(m.l.actors, a)
	return len(m.l.actors) - 1
}

// loadActors plans and writes the synthetic actors of every project site, and
// one UNIT actor per security-force unit.
func (l *loader) loadActors(ctx context.Context) error {
	r := l.rng
	m := &actorMaker{l: l, byLabel: map[string]int{}}
	l.pools = map[string]*pool{}
	for _, s := range projectSites() {
		p := &pool{}
		l.pools[s.code] = p
		for range victimsPerSite {
			age := pick(r, w(actor.AgeBracketUNDER_18, 7), w(actor.AgeBracketAGE_18_35, 48),
				w(actor.AgeBracketAGE_36_59, 33), w(actor.AgeBracketAGE_60_PLUS, 8), w(actor.AgeBracketUNKNOWN, 4))
			cat := actor.CategoryCIVILIAN
			if age != actor.AgeBracketUNDER_18 {
				cat = pick(r, w(actor.CategoryCIVILIAN, 82), w(actor.CategoryCOMMUNITY_LEADER, 6),
					w(actor.CategoryJOURNALIST, 4), w(actor.CategoryHUMAN_RIGHTS_DEFENDER, 3),
					w(actor.CategoryOTHER, 3), w(actor.CategoryUNKNOWN, 2))
			}
			gender := pick(r, w(actor.GenderFEMALE, 38), w(actor.GenderMALE, 58), w(actor.GenderUNKNOWN, 4))
			i := m.add(s, "Victime fictive", "", actorPlan{kind: actor.KindINDIVIDUAL, category: cat, gender: gender, age: age},
				age != actor.AgeBracketUNDER_18 && chance(r, 0.8), chance(r, 0.9))
			p.victims = append(p.victims, i)
			if gender == actor.GenderFEMALE {
				p.women = append(p.women, i)
			}
		}
		for range groupsPerSite {
			g := oneOf(r, groupKinds...)
			i := m.add(s, "Groupe fictif", " ("+g.what+")", actorPlan{kind: actor.KindGROUP, category: actor.CategoryCIVILIAN, gender: g.gender, age: g.age},
				chance(r, 0.5), true)
			p.groups = append(p.groups, i)
			p.victims = append(p.victims, i)
		}
		for range witnessesPerSite {
			cat := pick(r, w(actor.CategoryCIVILIAN, 75), w(actor.CategoryCOMMUNITY_LEADER, 15),
				w(actor.CategoryOTHER, 5), w(actor.CategoryUNKNOWN, 5))
			gender := pick(r, w(actor.GenderFEMALE, 40), w(actor.GenderMALE, 60))
			age := pick(r, w(actor.AgeBracketAGE_18_35, 45), w(actor.AgeBracketAGE_36_59, 40),
				w(actor.AgeBracketAGE_60_PLUS, 10), w(actor.AgeBracketUNKNOWN, 5))
			p.witnesses = append(p.witnesses, m.add(s, "Témoin fictif", "", actorPlan{kind: actor.KindINDIVIDUAL, category: cat, gender: gender, age: age},
				chance(r, 0.8), chance(r, 0.7)))
		}
		for range sourcesPerSite {
			cat := pick(r, w(actor.CategoryHUMAN_RIGHTS_DEFENDER, 40), w(actor.CategoryCOMMUNITY_LEADER, 30),
				w(actor.CategoryCIVILIAN, 20), w(actor.CategoryJOURNALIST, 10))
			gender := pick(r, w(actor.GenderFEMALE, 45), w(actor.GenderMALE, 55))
			age := pick(r, w(actor.AgeBracketAGE_18_35, 40), w(actor.AgeBracketAGE_36_59, 50),
				w(actor.AgeBracketAGE_60_PLUS, 10))
			p.sources = append(p.sources, m.add(s, "Source fictive", "", actorPlan{kind: actor.KindINDIVIDUAL, category: cat, gender: gender, age: age},
				true, chance(r, 0.5)))
		}
		for range agentsPerSite {
			gender := pick(r, w(actor.GenderMALE, 88), w(actor.GenderFEMALE, 8), w(actor.GenderUNKNOWN, 4))
			age := pick(r, w(actor.AgeBracketAGE_18_35, 55), w(actor.AgeBracketAGE_36_59, 30), w(actor.AgeBracketUNKNOWN, 15))
			p.agents = append(p.agents, m.add(s, "Agent FSI fictif", "", actorPlan{kind: actor.KindINDIVIDUAL, category: actor.CategoryFSI_AGENT, gender: gender, age: age},
				false, false))
		}
		for range militaryPerSite {
			age := pick(r, w(actor.AgeBracketAGE_18_35, 60), w(actor.AgeBracketUNKNOWN, 40))
			p.military = append(p.military, m.add(s, "Militaire fictif", "", actorPlan{kind: actor.KindINDIVIDUAL, category: actor.CategoryFDS_AGENT, gender: actor.GenderMALE, age: age},
				false, false))
		}
		for _, unit := range unitsIn(s.commune) {
			l.actors = append(l.actors, actorPlan{kind: actor.KindUNIT, category: actor.CategoryFSI_AGENT,
				gender: actor.GenderUNKNOWN, age: actor.AgeBracketUNKNOWN, fullName: unit, org: unit})
			p.units = append(p.units, len(l.actors)-1)
		}
	}
	builders := make([]*ent.ActorCreate, len(l.actors))
	for i, a := range l.actors {
		b := l.c.Actor.Create().
			SetKind(a.kind).
			SetCategory(a.category).
			SetGender(a.gender).
			SetAgeBracket(a.age).
			SetFullName(a.fullName)
		if a.contact != "" {
			b.SetContact(a.contact)
		}
		if a.address != "" {
			b.SetAddress(a.address)
		}
		if a.collector != "" {
			b.SetCollectedByID(idOf(l.users, a.collector))
		}
		if a.org != "" {
			b.SetOrganizationID(idOf(l.orgs, a.org))
		}
		builders[i] = b
	}
	created, err := saveAll(ctx, builders, func(ctx context.Context, bs []*ent.ActorCreate) ([]*ent.Actor, error) {
		return l.c.Actor.CreateBulk(bs...).Save(ctx)
	})
	if err != nil {
		return err
	}
	l.actorIDs = make([]gid.ID, len(created))
	for i, a := range created {
		l.actorIDs[i] = a.ID
	}
	return nil
}
