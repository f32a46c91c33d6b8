package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/gid"
)

// incidentPlan is a fictitious allegation to write, with the actors it
// involves (indexes in loader.actors).
type incidentPlan struct {
	site *site
	sc   *scenario

	ref                string
	occurred, reported time.Time
	status             incident.Status
	consent            bool
	types              []string
	summary            string
	narrative          string
	location           string
	source             string

	victims, witnesses []int
	// sourceActor and perpetrator are -1 when there is none.
	sourceActor, perpetrator int
}

// The fictitious allegations: how many, and when they occurred.
const incidentCount = 300

var (
	firstOccurrence = day(2021, time.January, 1)
	lastOccurrence  = day(2023, time.December, 20)
	// recentFrom starts the last months, whose allegations are mostly
	// still being verified.
	recentFrom = day(2023, time.October, 1)
)

// loadIncidents plans the fictitious allegations and writes them.
func (l *loader) loadIncidents(ctx context.Context) error {
	l.planIncidents()
	builders := make([]*ent.IncidentCreate, len(l.plans))
	// The demo's cell keys (schema.CellKeyMixin) come from a stream of
	// their own with a fixed seed, so that the demo's protected counts, and
	// the attack test played on them, are the same on every run. They are
	// therefore predictable: a real database draws them from crypto/rand.
	keys := rand.New(rand.NewPCG(11, 12))
	for i, p := range l.plans {
		typeIDs := make([]gid.ID, len(p.types))
		for j, t := range p.types {
			typeIDs[j] = idOf(l.types, t)
		}
		builders[i] = l.c.Incident.Create().
			SetReference(p.ref).
			SetOccurredAt(p.occurred).
			SetReportedAt(p.reported).
			SetStatus(p.status).
			SetConsentToShare(p.consent).
			SetSummary(p.summary).
			SetNarrative(p.narrative).
			SetExactLocation(p.location).
			SetSource(p.source).
			SetLocalityID(idOf(l.communes, p.site.commune)).
			SetCollectedByID(idOf(l.users, p.site.monitor)).
			AddViolationTypeIDs(typeIDs...).
			SetCellKey(int64(keys.Uint32()))
	}
	created, err := saveAll(ctx, builders, func(ctx context.Context, bs []*ent.IncidentCreate) ([]*ent.Incident, error) {
		return l.c.Incident.CreateBulk(bs...).Save(ctx)
	})
	if err != nil {
		return err
	}
	l.incidentIDs = make([]gid.ID, len(created))
	for i, c := range created {
		l.incidentIDs[i] = c.ID
	}
	return nil
}

// planIncidents draws the allegations' places, kinds and dates, numbers
// them in the order they occurred in each place and year, then draws the
// rest of each.
func (l *loader) planIncidents() {
	r := l.rng
	var siteWeights []weighted[*site]
	for _, s := range projectSites() {
		siteWeights = append(siteWeights, w(s, s.share))
	}
	var scenarioWeights []weighted[*scenario]
	for i := range scenarios {
		scenarioWeights = append(scenarioWeights, w(&scenarios[i], scenarios[i].weight))
	}
	days := int(lastOccurrence.Sub(firstOccurrence).Hours() / 24)
	for range incidentCount {
		s := pick(r, siteWeights...)
		sc := pick(r, scenarioWeights...)
		occurred := firstOccurrence.AddDate(0, 0, r.IntN(days+1)).
			Add(time.Duration(between(r, 6, 21))*time.Hour + time.Duration(15*r.IntN(4))*time.Minute)
		// Reported from two hours to nine days later.
		reported := occurred.Add(time.Duration(between(r, 2, 9*24)) * time.Hour)
		l.plans = append(l.plans, &incidentPlan{site: s, sc: sc, occurred: occurred, reported: reported})
	}
	slices.SortStableFunc(l.plans, func(a, b *incidentPlan) int { return a.occurred.Compare(b.occurred) })
	numbers := map[string]int{}
	for _, p := range l.plans {
		prefix := fmt.Sprintf("%s-%d", p.site.code, p.occurred.Year())
		numbers[prefix]++
		p.ref = fmt.Sprintf("%s-%04d", prefix, numbers[prefix])
		l.describe(p)
		l.cast(p)
	}
}

// describe draws an allegation's status, consent, violation types and texts.
func (l *loader) describe(p *incidentPlan) {
	r := l.rng
	if p.occurred.Before(recentFrom) {
		p.status = pick(r,
			w(incident.StatusVERIFIED, 40), w(incident.StatusREPORTED, 13), w(incident.StatusUNDER_VERIFICATION, 10),
			w(incident.StatusUNSUBSTANTIATED, 9), w(incident.StatusREFERRED, 14), w(incident.StatusCLOSED, 14))
	} else {
		p.status = pick(r, w(incident.StatusREPORTED, 50), w(incident.StatusUNDER_VERIFICATION, 30), w(incident.StatusVERIFIED, 20))
	}
	p.consent = chance(r, 0.7)
	p.types = append([]string{p.sc.primary}, sample(r, p.sc.also, pick(r, w(0, 50), w(1, 35), w(2, 15)))...)
	commune := p.site.commune
	landmark := oneOf(r, landmarks...)
	p.summary = fmt.Sprintf(oneOf(r, p.sc.summaries...), commune)
	p.narrative = fmt.Sprintf("Récit fictif (données de démonstration) : %s Les faits auraient eu lieu le %s vers %s, %s, à %s.",
		oneOf(r, p.sc.details...), p.occurred.Format("02/01/2006"), p.occurred.Format("15 h 04"), landmark, commune)
	p.location = fmt.Sprintf("Quartier fictif %d, %s, %s (fictif)", between(r, 1, 12), landmark, commune)
	p.source = oneOf(r, sourceTexts...)
}

// cast draws the actors of an allegation from its site's pool: one to
// three victims, up to two witnesses, often a source, and for most an
// alleged perpetrator (a unit of the site, or an unnamed agent).
func (l *loader) cast(p *incidentPlan) {
	r := l.rng
	pl := l.pools[p.site.code]
	victims := pl.victims
	switch {
	case p.sc.againstFSI:
		victims = pl.agents
	case p.sc.primary == "sexual_violence":
		victims = pl.women
	}
	p.victims = sample(r, victims, pick(r, w(1, 60), w(2, 28), w(3, 12)))
	p.witnesses = sample(r, pl.witnesses, pick(r, w(0, 35), w(1, 45), w(2, 20)))
	p.sourceActor, p.perpetrator = -1, -1
	if chance(r, 0.65) {
		if !p.sc.againstFSI && chance(r, 0.4) {
			p.sourceActor = p.victims[0] // the victim reported it
		} else {
			p.sourceActor = oneOf(r, pl.sources...)
		}
	}
	switch {
	case p.sc.againstFSI:
		if chance(r, 0.85) {
			p.perpetrator = oneOf(r, pl.groups...)
		}
	case chance(r, 0.88):
		switch pick(r, w("unit", 72), w("agent", 20), w("military", 8)) {
		case "unit":
			p.perpetrator = oneOf(r, pl.units...)
		case "agent":
			p.perpetrator = oneOf(r, pl.agents...)
		default:
			p.perpetrator = oneOf(r, pl.military...)
		}
	}
}
