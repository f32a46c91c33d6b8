package synth

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// plan is a whole dataset, drawn before anything is written: the reference
// rows in full, the bulk rows in compact records from which tables.go
// writes the columns. Ids are computed from row indexes (see idGen).
type plan struct {
	seed uint64
	n    int

	localities     []locality
	orgs           []organization
	units          []unit
	unitsOfRegion  [][]int     // units by region: the cercles' units, then the regional one
	unitOfCercle   map[int]int // by locality index of the cercle
	regionalUnit   []int       // by region
	authority      []int       // orgs by region
	health         []int       // orgs by region
	radio          []int       // orgs by region
	women          []int       // orgs by region
	users          []user
	coordinators   []int // user indexes
	monitorOf      []int // by commune (0..159): user index or -1
	vtypes         []violationType
	communeWeights []float64
	communes       dist // draws a commune (0..159)

	actors          []actorRec // the units' actors first, one per unit
	incidents       []incidentRec
	involvements    []involvementRec
	followUps       []followUpRec
	activities      []activityRec
	organizers      []pair // activity, org
	recommendations []recommendationRec
	addressees      []pair // recommendation, org

	incIDs, actIDs, invIDs, fupIDs, acvIDs, recIDs idGen
}

type pair struct{ a, b int32 }

// Enumerations, indexed by the uint8 fields of the records.
var (
	statuses    = []string{"REPORTED", "UNDER_VERIFICATION", "VERIFIED", "UNSUBSTANTIATED", "REFERRED", "CLOSED"}
	statusShare = []float64{30, 15, 30, 10, 8, 7}
	roles       = []string{"VICTIM", "WITNESS", "ALLEGED_PERPETRATOR", "SOURCE"}
	actorKinds  = []string{"INDIVIDUAL", "GROUP", "UNIT"}
	categories  = []string{"CIVILIAN", "FSI_AGENT", "FDS_AGENT", "COMMUNITY_LEADER", "AUTHORITY", "JOURNALIST", "HUMAN_RIGHTS_DEFENDER", "OTHER", "UNKNOWN"}
	genders     = []string{"FEMALE", "MALE", "OTHER", "UNKNOWN"}
	ageBrackets = []string{"UNDER_18", "AGE_18_35", "AGE_36_59", "AGE_60_PLUS", "UNKNOWN"}
	fupKinds    = []string{"UNIT_RESPONSE", "JUDICIAL_REFERRAL", "MEDICAL_ASSISTANCE", "LEGAL_ASSISTANCE", "PSYCHOSOCIAL_SUPPORT", "MEDIATION", "OTHER"}
	fupShare    = []float64{30, 18, 12, 15, 8, 12, 5}
	acvKinds    = []string{"INCLUSIVE_DIALOGUE", "RADIO_DEBATE", "SPORTS_DAY", "CLEANLINESS_DAY", "TRAINING", "MONITORING_MISSION", "STRATEGIC_RETREAT", "OTHER"}
	acvShare    = []float64{25, 20, 8, 8, 15, 15, 4, 5}
	recStatuses = []string{"PROPOSED", "ACCEPTED", "IN_PROGRESS", "IMPLEMENTED", "DROPPED"}
	recShare    = []float64{30, 20, 20, 20, 10}
)

const (
	statusReported = iota
	statusUnderVerification
	statusVerified
	statusUnsubstantiated
	statusReferred
	statusClosed
)

const (
	roleVictim = iota
	roleWitness
	rolePerpetrator
	roleSource
)

const (
	kindIndividual = iota
	kindGroup
	kindUnit
)

const (
	catCivilian = iota
	catFSI
	catFDS
	catLeader
	catAuthority
	catJournalist
	catDefender
	catOther
	catUnknown
)

const unknown = 3 // gender UNKNOWN; ageBrackets UNKNOWN is 4

type actorRec struct {
	created   int64 // unix seconds
	collector int16 // user index, -1 for none
	kind      uint8
	category  uint8
	gender    uint8
	age       uint8
	contact   bool
	address   bool
}

type incidentRec struct {
	occurred, reported int64 // unix seconds
	created, updated   int64
	number             int32 // in its reference year
	commune            int16 // 0..159
	collector          int16 // user index, -1 for none
	status             uint8
	consent            bool
	nvt                uint8
	vt                 [3]uint8
	unit               int8 // alleged unit, -1 for none
	narrative          bool
	location           bool
	source             int8 // index in sources, -1 for none
	refLetter          uint8
}

type involvementRec struct {
	incident, actor int32
	role            uint8
}

type followUpRec struct {
	incident      int32
	org           int16
	kind          uint8
	done, created int64
}

type activityRec struct {
	start                  int64 // unix seconds, midnight UTC
	days                   int16
	commune                int16
	kind                   uint8
	outcomes               bool
	women, men, youth, sfc int32
	created, updated       int64
}

type recommendationRec struct {
	activity         int32
	status           uint8
	due              int64 // 0 for none
	created, updated int64
}

// Sizes of a dataset of n incidents.
func actorCount(n int) int          { return max(50, round(0.3*float64(n))) }
func activityCount(n int) int       { return max(10, round(0.02*float64(n))) }
func followUpCount(n int) int       { return max(20, round(0.05*float64(n))) }
func recommendationCount(a int) int { return max(3, round(float64(a)/4)) }

func round(x float64) int { return int(math.Round(x)) }

// newPlan draws the dataset of n incidents for seed.
func newPlan(n int, seed uint64) *plan {
	p := &plan{
		seed:   seed,
		n:      n,
		incIDs: newIDGen(seed, "inc"),
		actIDs: newIDGen(seed, "act"),
		invIDs: newIDGen(seed, "inv"),
		fupIDs: newIDGen(seed, "fup"),
		acvIDs: newIDGen(seed, "acv"),
		recIDs: newIDGen(seed, "rec"),
	}
	p.planReference()
	pools := p.planActors()
	p.planIncidents()
	p.planInvolvements(pools)
	p.planFollowUps()
	p.planActivities()
	return p
}

// reuseViolationTypes takes the ids of violation types that exist.
func (p *plan) reuseViolationTypes(existing map[string]string) {
	for i := range p.vtypes {
		if id, ok := existing[p.vtypes[i].code]; ok {
			p.vtypes[i].id = id
			p.vtypes[i].exists = true
		}
	}
}

// pool is the range of actors recorded by one collector: agents of the
// security forces first, then everyone else.
type pool struct{ start, agents, end int }

// minPool is the size under which a collector's incidents draw their
// actors among all actors instead.
const minPool = 8

// collectorShares returns the expected share of incidents of each
// collector (user index; the last entry is "nobody").
func (p *plan) collectorShares() []float64 {
	shares := make([]float64, len(p.users)+1)
	total := 0.0
	for _, w := range p.communeWeights {
		total += w
	}
	for c, w := range p.communeWeights {
		shares[p.collectorOf(c)] += 0.94 * w / total
	}
	for _, u := range p.coordinators {
		shares[u] += 0.05 / float64(len(p.coordinators))
	}
	shares[len(p.users)] = 0.01
	return shares
}

// planActors draws the actors: first one UNIT actor per unit, then the
// people and groups, in one pool per collector sized after the collector's
// share of incidents.
func (p *plan) planActors() map[int]pool {
	r := newRand(p.seed, "actors")
	total := actorCount(p.n)
	p.actors = make([]actorRec, 0, total)
	for _, u := range p.units {
		cat := uint8(catFSI)
		if u.agent == "FDS_AGENT" {
			cat = catFDS
		}
		p.actors = append(p.actors, actorRec{
			created: setupTime.Add(2 * time.Hour).Unix(), collector: int16(p.coordinators[0]),
			kind: kindUnit, category: cat, gender: unknown, age: 4,
		})
	}
	people := total - len(p.units)

	// Largest-remainder allocation of people to collectors.
	shares := p.collectorShares()
	sizes := make([]int, len(shares))
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(shares))
	given := 0
	for i, s := range shares {
		x := s * float64(people)
		sizes[i] = int(x)
		given += sizes[i]
		rems[i] = rem{i, x - float64(sizes[i])}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.f, a.f) })
	for k := 0; given < people; k++ {
		sizes[rems[k%len(rems)].i]++
		given++
	}

	pools := map[int]pool{}
	categoryDist := newDist([]float64{70, 0, 0, 7, 4, 4, 4, 3, 8})
	ageDist := newDist([]float64{12, 45, 28, 7, 8})
	genderDist := newDist([]float64{36, 55, 1, 8})
	span := horizon.Unix() - firstDay.Unix()
	for i, size := range sizes {
		collector := int16(i)
		if i == len(p.users) {
			collector = -1
		}
		start := len(p.actors)
		agents := round(0.14 * float64(size))
		if size > 0 {
			agents = max(1, agents)
		}
		pools[int(collector)] = pool{start: start, agents: start + agents, end: start + size}
		for k := range size {
			a := actorRec{
				created:   firstDay.Unix() + r.Int64N(span),
				collector: collector,
				kind:      kindIndividual,
				gender:    uint8(genderDist.draw(r)),
				age:       uint8(ageDist.draw(r)),
			}
			switch {
			case k < agents:
				a.category = catFSI
				if chance(r, 0.35) {
					a.category = catFDS
				}
				a.age = uint8(between(r, 1, 2))
				if chance(r, 0.9) {
					a.gender = 1
				}
			default:
				a.category = uint8(categoryDist.draw(r))
				if chance(r, 0.12) {
					a.kind = kindGroup
					a.gender, a.age = unknown, 4
				}
			}
			a.contact = a.kind == kindIndividual && chance(r, 0.4)
			a.address = chance(r, 0.3)
			p.actors = append(p.actors, a)
		}
	}
	return pools
}

// planIncidents draws the incidents, in the order they were reported, and
// numbers them within their reference year.
func (p *plan) planIncidents() {
	r := newRand(p.seed, "incidents")
	years := newDist(yearWeights)
	statusDist := newDist(statusShare)
	nvtDist := newDist([]float64{55, 30, 15})
	vtDist := newDist(zipf(len(violationTerms), 1.0))
	delayDist := newDist([]float64{60, 30, 10})
	p.incidents = make([]incidentRec, p.n)
	for i := range p.incidents {
		in := &p.incidents[i]
		y := firstDay.Year() + years.draw(r)
		start := time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC)
		days := int(time.Date(y+1, time.January, 1, 0, 0, 0, 0, time.UTC).Sub(start).Hours() / 24)
		occurred := randomTime(r, start.AddDate(0, 0, r.IntN(days)))
		var delay time.Duration
		switch delayDist.draw(r) {
		case 0:
			delay = time.Duration(r.Int64N(int64(72 * time.Hour)))
		case 1:
			delay = time.Duration(3*24+r.IntN(27*24)) * time.Hour
		default:
			delay = time.Duration(30*24+r.IntN(150*24)) * time.Hour
		}
		reported := occurred.Add(delay).Truncate(time.Second)
		if !reported.Before(horizon) {
			reported = horizon.Add(-time.Second)
		}
		in.occurred, in.reported = occurred.Unix(), reported.Unix()
		in.status = uint8(statusDist.draw(r))
		in.consent = chance(r, 0.7)
		c := p.communes.draw(r)
		in.commune = int16(c)
		switch x := r.Float64(); {
		case x < 0.01:
			in.collector = -1
		case x < 0.06:
			in.collector = int16(p.coordinators[r.IntN(len(p.coordinators))])
		default:
			in.collector = int16(p.collectorOf(c))
		}
		in.nvt = uint8(1 + nvtDist.draw(r))
		for k := 0; k < int(in.nvt); {
			v := uint8(vtDist.draw(r))
			if !slices.Contains(in.vt[:k], v) {
				in.vt[k] = v
				k++
			}
		}
		created := reported.Add(time.Duration(1+r.IntN(71))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		var upd time.Duration
		switch in.status {
		case statusReported:
			upd = time.Duration(r.IntN(48)) * time.Hour
		case statusUnderVerification:
			upd = time.Duration(1+r.IntN(30)) * 24 * time.Hour
		case statusVerified, statusUnsubstantiated:
			upd = time.Duration(7+r.IntN(84)) * 24 * time.Hour
		default:
			upd = time.Duration(30+r.IntN(336)) * 24 * time.Hour
		}
		updated := created.Add(upd)
		if updated.After(loadTime) {
			updated = loadTime
		}
		in.created, in.updated = created.Unix(), updated.Unix()
		in.narrative = chance(r, 0.6)
		in.location = chance(r, 0.5)
		in.source = -1
		if chance(r, 0.7) {
			in.source = int8(r.IntN(len(sources)))
		}
		in.unit = -1
	}
	slices.SortStableFunc(p.incidents, func(a, b incidentRec) int {
		return cmp.Or(cmp.Compare(a.reported, b.reported), cmp.Compare(a.occurred, b.occurred))
	})
	year, number := 0, 0
	for i := range p.incidents {
		in := &p.incidents[i]
		y := time.Unix(in.reported, 0).UTC().Year()
		if y != year {
			year, number = y, 0
		}
		number++
		// Beyond 999,999 incidents a year, references take a letter:
		// SYNA-2021-000001.
		in.refLetter = uint8((number - 1) / 999_999)
		in.number = int32((number-1)%999_999 + 1)
	}
}

// sources are how allegations reached the collector.
var sources = []string{
	"Témoignage direct de la victime (synthétique)",
	"Témoin oculaire (synthétique)",
	"Appel téléphonique au moniteur (synthétique)",
	"Signalement d'un leader communautaire (synthétique)",
	"Émission de radio communautaire (synthétique)",
	"Réseau de moniteurs (synthétique)",
}

// planInvolvements draws the actors of each incident: 1–2 victims, an
// alleged perpetrator (a unit of the region for about 60% of incidents),
// sometimes a witness and a source; about 3 involvements per incident.
func (p *plan) planInvolvements(pools map[int]pool) {
	r := newRand(p.seed, "involvements")
	p.involvements = make([]involvementRec, 0, p.n*31/10)
	everyone := pool{start: len(p.units), agents: len(p.units), end: len(p.actors)}
	var chosen []int32
	for i := range p.incidents {
		in := &p.incidents[i]
		pl, ok := pools[int(in.collector)]
		if !ok || pl.end-pl.start < minPool {
			pl = everyone
		}
		chosen = chosen[:0]
		add := func(actor int, role int) {
			p.involvements = append(p.involvements, involvementRec{incident: int32(i), actor: int32(actor), role: uint8(role)})
			chosen = append(chosen, int32(actor))
		}
		// draw picks an actor of [lo, hi) not yet in the incident; skew > 1
		// favours the first ones (frequent sources).
		draw := func(lo, hi int, skew float64) int {
			if hi <= lo {
				lo, hi = pl.start, pl.end
			}
			for range 20 {
				a := lo + int(float64(hi-lo)*math.Pow(r.Float64(), skew))
				if !slices.Contains(chosen, int32(a)) {
					return a
				}
			}
			return -1
		}
		attack := in.vt[0] == attackOnFSI
		victims := 1
		if chance(r, 0.25) {
			victims = 2
		}
		for range victims {
			a := draw(pl.agents, pl.end, 1)
			if attack {
				a = draw(pl.start, pl.agents, 1)
			}
			if a >= 0 {
				add(a, roleVictim)
			}
		}
		switch {
		case attack:
			if chance(r, 0.9) {
				if a := draw(pl.agents, pl.end, 1); a >= 0 {
					add(a, rolePerpetrator)
				}
			}
		case chance(r, 0.62):
			loc := &p.localities[communeLocality(int(in.commune))]
			u := p.regionalUnit[loc.region]
			if chance(r, 0.7) {
				u = p.unitOfCercle[loc.cercle]
			}
			in.unit = int8(u)
			add(u, rolePerpetrator) // unit u's actor has index u
			if chance(r, 0.1) {
				if a := draw(pl.start, pl.agents, 1); a >= 0 {
					add(a, rolePerpetrator)
				}
			}
		case chance(r, 0.65):
			if a := draw(pl.start, pl.agents, 1); a >= 0 {
				add(a, rolePerpetrator)
			}
		}
		if chance(r, 0.45) {
			if a := draw(pl.agents, pl.end, 1); a >= 0 {
				add(a, roleWitness)
			}
		}
		if chance(r, 0.40) {
			if a := draw(pl.agents, pl.end, 2); a >= 0 {
				add(a, roleSource)
			}
		}
	}
}

// planFollowUps draws follow-ups, mostly of verified, referred and closed
// incidents, each after its incident was reported.
func (p *plan) planFollowUps() {
	r := newRand(p.seed, "followups")
	kinds := newDist(fupShare)
	n := followUpCount(p.n)
	p.followUps = make([]followUpRec, n)
	for f := range p.followUps {
		var i int
		for try := 0; ; try++ {
			i = r.IntN(p.n)
			s := p.incidents[i].status
			if try >= 100 || s == statusVerified || s == statusReferred || s == statusClosed ||
				(s == statusUnderVerification && chance(r, 0.2)) {
				break
			}
		}
		in := &p.incidents[i]
		region := p.localities[communeLocality(int(in.commune))].region
		fu := followUpRec{incident: int32(i), kind: uint8(kinds.draw(r))}
		switch fupKinds[fu.kind] {
		case "UNIT_RESPONSE":
			u := int(in.unit)
			if u < 0 {
				us := p.unitsOfRegion[region]
				u = us[r.IntN(len(us))]
			}
			fu.org = int16(p.units[u].org)
		case "JUDICIAL_REFERRAL":
			fu.org = orgAMDH
			if chance(r, 0.4) {
				fu.org = int16(p.authority[region])
			}
		case "MEDICAL_ASSISTANCE":
			fu.org = int16(p.health[region])
		case "LEGAL_ASSISTANCE":
			fu.org = orgClinic
			if chance(r, 0.5) {
				fu.org = orgAMDH
			}
		case "PSYCHOSOCIAL_SUPPORT", "MEDIATION":
			fu.org = int16(p.women[region])
			if chance(r, 0.5) {
				fu.org = orgAMDH
			}
		default:
			fu.org = orgAMDH
		}
		// A day from one to 180 days after the report, before loadTime.
		day := time.Unix(in.reported, 0).UTC().Truncate(24 * time.Hour)
		maxDays := min(180, int(loadTime.Sub(day).Hours()/24))
		done := day.AddDate(0, 0, between(r, 1, maxDays))
		created := done.Add(time.Duration(8+r.IntN(24*5))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		if created.After(loadTime) {
			created = loadTime
		}
		fu.done, fu.created = done.Unix(), created.Unix()
		p.followUps[f] = fu
	}
}

// planActivities draws the activities, their organizers, their
// recommendations (one per four activities) and the recommendations'
// addressees.
func (p *plan) planActivities() {
	r := newRand(p.seed, "activities")
	kinds := newDist(acvShare)
	years := newDist(yearWeights)
	n := activityCount(p.n)
	p.activities = make([]activityRec, n)
	for i := range p.activities {
		a := &p.activities[i]
		a.kind = uint8(kinds.draw(r))
		a.commune = int16(p.communes.draw(r))
		y := firstDay.Year() + years.draw(r)
		a.start = time.Date(y, time.January, 1+r.IntN(365), 0, 0, 0, 0, time.UTC).Unix()
		var total int
		switch acvKinds[a.kind] {
		case "TRAINING":
			a.days, total = int16(between(r, 1, 3)), between(r, 12, 40)
		case "MONITORING_MISSION":
			a.days, total = int16(between(r, 1, 5)), between(r, 3, 12)
		case "STRATEGIC_RETREAT":
			a.days, total = int16(between(r, 2, 4)), between(r, 15, 50)
		case "RADIO_DEBATE":
			total = between(r, 4, 12)
		case "SPORTS_DAY", "CLEANLINESS_DAY":
			total = between(r, 60, 400)
		default:
			total = between(r, 25, 120)
		}
		a.women = int32(float64(total) * (0.25 + 0.25*r.Float64()))
		a.men = int32(total) - a.women
		a.youth = int32(float64(total) * (0.2 + 0.4*r.Float64()))
		a.sfc = int32(float64(total) * (0.05 + 0.2*r.Float64()))
		a.outcomes = chance(r, 0.6)
		end := time.Unix(a.start, 0).UTC().AddDate(0, 0, int(a.days))
		created := end.Add(time.Duration(24+r.IntN(24*14)) * time.Hour)
		updated := created.Add(time.Duration(r.IntN(24*30)) * time.Hour)
		a.created, a.updated = min(created.Unix(), loadTime.Unix()), min(updated.Unix(), loadTime.Unix())

		region := p.localities[communeLocality(int(a.commune))].region
		p.organizers = append(p.organizers, pair{int32(i), orgAMDH})
		if chance(r, 0.4) {
			var o int
			switch x := r.Float64(); {
			case x < 0.5:
				us := p.unitsOfRegion[region]
				o = p.units[us[r.IntN(len(us))]].org
			case x < 0.75:
				o = orgDIHR
			default:
				o = p.radio[region]
				if a.kind != 1 { // not a radio debate
					o = p.women[region]
				}
			}
			p.organizers = append(p.organizers, pair{int32(i), int32(o)})
		}
	}

	nr := recommendationCount(n)
	p.recommendations = make([]recommendationRec, nr)
	statusDist := newDist(recShare)
	for k := range p.recommendations {
		ai := r.IntN(n)
		a := &p.activities[ai]
		rec := recommendationRec{activity: int32(ai), status: uint8(statusDist.draw(r))}
		end := time.Unix(a.start, 0).UTC().AddDate(0, 0, int(a.days))
		if chance(r, 0.8) {
			rec.due = end.AddDate(0, 0, between(r, 30, 365)).Unix()
		}
		rec.created = min(a.created+int64(r.IntN(3600*24)), loadTime.Unix())
		rec.updated = rec.created
		if rec.status != 0 {
			rec.updated = min(rec.created+int64(between(r, 7, 300))*86400, loadTime.Unix())
		}
		p.recommendations[k] = rec

		region := p.localities[communeLocality(int(a.commune))].region
		pick := func() int32 {
			switch x := r.Float64(); {
			case x < 0.5:
				us := p.unitsOfRegion[region]
				return int32(p.units[us[r.IntN(len(us))]].org)
			case x < 0.7:
				return int32(orgPolice + r.IntN(3))
			case x < 0.9:
				return int32(p.authority[region])
			default:
				return orgAMDH
			}
		}
		first := pick()
		p.addressees = append(p.addressees, pair{int32(k), first})
		if chance(r, 0.5) {
			if second := pick(); second != first {
				p.addressees = append(p.addressees, pair{int32(k), second})
			}
		}
	}
}
