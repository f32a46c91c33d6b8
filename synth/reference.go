package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// The fixed shape of the administrative tree: 8 + 32 + 160 = 200 localities.
const (
	cerclesPerRegion  = 4
	communesPerCercle = 5
)

// regionSpec is a region of Mali, its approximate centre and four of its
// cercles. Only the names are real; every locality written says it is
// synthetic.
type regionSpec struct {
	name     string
	lat, lon float64
	cercles  [cerclesPerRegion]string
}

var regionSpecs = []regionSpec{
	{"Kayes", 14.45, -11.44, [4]string{"Kayes", "Bafoulabé", "Kita", "Nioro du Sahel"}},
	{"Koulikoro", 12.86, -7.56, [4]string{"Koulikoro", "Kati", "Banamba", "Nara"}},
	{"Sikasso", 11.32, -5.67, [4]string{"Sikasso", "Bougouni", "Kadiolo", "Koutiala"}},
	{"Ségou", 13.43, -6.26, [4]string{"Ségou", "Niono", "San", "Macina"}},
	{"Mopti", 14.49, -4.19, [4]string{"Mopti", "Bandiagara", "Djenné", "Douentza"}},
	{"Tombouctou", 16.77, -3.01, [4]string{"Tombouctou", "Diré", "Goundam", "Niafunké"}},
	{"Gao", 16.27, -0.04, [4]string{"Gao", "Ansongo", "Bourem", "Ménaka"}},
	{"Kidal", 18.44, 1.41, [4]string{"Kidal", "Abeïbara", "Tessalit", "Tin-Essako"}},
}

var (
	nRegions  = len(regionSpecs)
	nCercles  = nRegions * cerclesPerRegion
	nCommunes = nCercles * communesPerCercle
)

// Users of the dataset, by role.
const (
	nMonitors     = 60
	nCoordinators = 3
	nDIHR         = 3
	nFSI          = 12
)

// Roles of the users.
const (
	roleMonitor     = "amdh_monitor"
	roleCoordinator = "amdh_coordinator"
	roleDIHR        = "dihr_partner"
	roleFSI         = "fsi_liaison"
)

// Time frame of the dataset. Incidents occur and are reported from
// firstDay to before horizon; nothing is created or updated after
// loadTime, the dataset's "now".
var (
	firstDay  = time.Date(2018, time.January, 1, 0, 0, 0, 0, time.UTC)
	horizon   = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	loadTime  = time.Date(2026, time.January, 31, 0, 0, 0, 0, time.UTC)
	setupTime = time.Date(2017, time.November, 6, 9, 0, 0, 0, time.UTC)
	// yearWeights give more incidents in recent years, as the network of
	// monitors grew.
	yearWeights = []float64{6, 8, 10, 12, 13, 15, 17, 19}
)

// violationTerm is a term of the vocabulary, with its frequency rank.
type violationTerm struct {
	code, labelFR, labelEN, description string
}

// violationTerms are ordered from the most to the least frequent: incidents
// draw them with Zipf weights.
var violationTerms = []violationTerm{
	{"arbitrary_arrest", "Arrestation ou détention arbitraire", "Arbitrary arrest or detention",
		"Interpellation sans motif légal, garde à vue prolongée, détention sans présentation à un juge."},
	{"extortion_racket", "Extorsion ou racket", "Extortion or racketeering",
		"Sommes d'argent ou biens exigés indûment, notamment aux postes de contrôle."},
	{"torture_ill_treatment", "Torture ou mauvais traitements", "Torture or ill-treatment",
		"Coups, sévices ou traitements cruels, inhumains ou dégradants."},
	{"threats", "Menaces ou intimidation", "Threats or intimidation",
		"Menaces, intimidations ou représailles, notamment contre des plaignants ou des témoins."},
	{"destruction_looting", "Destruction ou pillage de biens", "Destruction or looting of property",
		"Biens détruits, saisis sans procès-verbal ni restitution, ou pillés."},
	{"denial_of_justice", "Déni d'accès à la justice", "Denial of access to justice",
		"Refus d'enregistrer une plainte, de la transmettre ou d'informer le plaignant des suites données."},
	{"killing", "Meurtre ou exécution sommaire", "Killing or summary execution",
		"Atteinte au droit à la vie hors cadre légal."},
	{"enforced_disappearance", "Disparition forcée", "Enforced disappearance",
		"Personne arrêtée ou enlevée dont le sort et le lieu de détention sont cachés."},
	{"sexual_violence", "Violences sexuelles", "Sexual violence",
		"Viol, agression ou harcèlement sexuel, ou toute autre violence de nature sexuelle."},
	{"attack_on_fsi", "Agression contre des agents des FSI", "Attack on internal security forces by civilians",
		"Violences, menaces ou destructions commises par des civils contre des agents ou des postes des FSI."},
}

// attackOnFSI is the index of attack_on_fsi in violationTerms: its alleged
// perpetrators are civilians, its victims agents.
const attackOnFSI = 9

type locality struct {
	id, name, level string
	parent          int // index in plan.localities, -1 for a region
	region          int // index of the region (0..7)
	cercle          int // index in plan.localities of the cercle, -1 for a region
	lat, lon        float64
	created         time.Time
}

type organization struct {
	id, name, acronym, kind string
	parent                  int // index in plan.orgs, or -1
	locality                int // index in plan.localities, or -1
	created                 time.Time
}

type user struct {
	id, subject, display, role string
	org                        int
	domain                     int // index in plan.localities, -1 for "*"
	created                    time.Time
}

type violationType struct {
	violationTerm
	id     string
	exists bool // reused, not written
}

// unit is a security-force unit: an organization and its UNIT actor.
type unit struct {
	org    int // index in plan.orgs
	region int
	cercle int // index in plan.localities, -1 for a regional unit
	agent  string
}

// Indexes of fixed organizations in plan.orgs.
const (
	orgAMDH = iota
	orgDIHR
	orgPolice
	orgGendarmerie
	orgGarde
	orgClinic
	nFixedOrgs
)

// planReference builds the localities, organizations, units, users and
// violation types.
func (p *plan) planReference() {
	r := newRand(p.seed, "reference")
	locIDs := newIDGen(p.seed, "loc")
	at := func(i int) time.Time { return setupTime.Add(time.Duration(i) * time.Minute) }

	// Localities: regions, then cercles, then communes.
	p.localities = make([]locality, 0, nRegions+nCercles+nCommunes)
	for ri, rs := range regionSpecs {
		p.localities = append(p.localities, locality{
			name: fmt.Sprintf("Région de %s (synthétique)", rs.name), level: "REGION",
			parent: -1, region: ri, cercle: -1, lat: rs.lat, lon: rs.lon,
		})
	}
	for ri, rs := range regionSpecs {
		for _, c := range rs.cercles {
			p.localities = append(p.localities, locality{
				name: fmt.Sprintf("Cercle de %s (synthétique)", c), level: "CERCLE",
				parent: ri, region: ri, cercle: len(p.localities),
				lat: rs.lat + (r.Float64()*2-1)*0.9, lon: rs.lon + (r.Float64()*2-1)*0.9,
			})
		}
	}
	for ci := nRegions; ci < nRegions+nCercles; ci++ {
		c := p.localities[ci]
		cercleName := regionSpecs[c.region].cercles[(ci-nRegions)%cerclesPerRegion]
		for k := 1; k <= communesPerCercle; k++ {
			p.localities = append(p.localities, locality{
				name: fmt.Sprintf("Commune synthétique %d de %s", k, cercleName), level: "COMMUNE",
				parent: ci, region: c.region, cercle: ci,
				lat: c.lat + (r.Float64()*2-1)*0.25, lon: c.lon + (r.Float64()*2-1)*0.25,
			})
		}
	}
	for i := range p.localities {
		p.localities[i].id = locIDs.id(i)
		p.localities[i].created = at(i)
	}

	// Organizations: the partners, the corps, a unit per cercle and one per
	// region, then per region an authority, a health centre, a radio and a
	// women's association.
	orgIDs := newIDGen(p.seed, "org")
	add := func(name, acronym, kind string, parent, loc int) int {
		p.orgs = append(p.orgs, organization{name: name, acronym: acronym, kind: kind, parent: parent, locality: loc})
		return len(p.orgs) - 1
	}
	add("Association Malienne des Droits de l'Homme (synthétique)", "AMDH", "HUMAN_RIGHTS_NGO", -1, -1)
	add("Institut Danois des Droits de l'Homme (synthétique)", "DIHR", "FUNDER", -1, -1)
	add("Police nationale (synthétique)", "PN", "SECURITY_FORCE_CORPS", -1, -1)
	add("Gendarmerie nationale (synthétique)", "GN", "SECURITY_FORCE_CORPS", -1, -1)
	add("Garde nationale (synthétique)", "GDN", "SECURITY_FORCE_CORPS", -1, -1)
	add("Clinique juridique (synthétique)", "", "OTHER", -1, -1)
	p.unitsOfRegion = make([][]int, nRegions)
	p.unitOfCercle = map[int]int{}
	for ri, rs := range regionSpecs {
		for k, c := range rs.cercles {
			ci := nRegions + ri*cerclesPerRegion + k
			var o int
			var agent string
			if (ri+k)%2 == 0 {
				o = add(fmt.Sprintf("Commissariat de police de %s (synthétique)", c), "", "SECURITY_FORCE_UNIT", orgPolice, ci)
				agent = "FSI_AGENT"
			} else {
				o = add(fmt.Sprintf("Brigade de gendarmerie de %s (synthétique)", c), "", "SECURITY_FORCE_UNIT", orgGendarmerie, ci)
				agent = "FSI_AGENT"
			}
			p.unitOfCercle[ci] = len(p.units)
			p.unitsOfRegion[ri] = append(p.unitsOfRegion[ri], len(p.units))
			p.units = append(p.units, unit{org: o, region: ri, cercle: ci, agent: agent})
		}
		o := add(fmt.Sprintf("Escadron de la Garde nationale de %s (synthétique)", rs.name), "", "SECURITY_FORCE_UNIT", orgGarde, ri)
		p.regionalUnit = append(p.regionalUnit, len(p.units))
		p.unitsOfRegion[ri] = append(p.unitsOfRegion[ri], len(p.units))
		p.units = append(p.units, unit{org: o, region: ri, cercle: -1, agent: "FDS_AGENT"})
	}
	for ri, rs := range regionSpecs {
		p.authority = append(p.authority, add(fmt.Sprintf("Tribunal de grande instance de %s (synthétique)", rs.name), "", "AUTHORITY", -1, ri))
		p.health = append(p.health, add(fmt.Sprintf("Centre de santé de référence de %s (synthétique)", rs.name), "", "OTHER", -1, ri))
		p.radio = append(p.radio, add(fmt.Sprintf("Radio communautaire de %s (synthétique)", rs.name), "", "MEDIA", -1, ri))
		p.women = append(p.women, add(fmt.Sprintf("Association des femmes de %s (synthétique)", rs.name), "", "COMMUNITY_GROUP", -1, ri))
	}
	for i := range p.orgs {
		p.orgs[i].id = orgIDs.id(i)
		p.orgs[i].created = at(i + 300)
	}

	// Monitored communes: the first commune of every cercle, and more drawn
	// at random, up to one monitor per commune for nMonitors communes.
	monitored := make([]bool, nCommunes)
	var communes []int
	for c := 0; c < nCommunes; c += communesPerCercle {
		communes = append(communes, c)
		monitored[c] = true
	}
	for _, c := range r.Perm(nCommunes) {
		if len(communes) == nMonitors {
			break
		}
		if !monitored[c] {
			monitored[c] = true
			communes = append(communes, c)
		}
	}
	firstCommune := nRegions + nCercles
	p.monitorOf = make([]int, nCommunes)
	for i := range p.monitorOf {
		p.monitorOf[i] = -1
	}
	// Monitors are numbered in the order of the communes.
	slices.Sort(communes)
	userIDs := newIDGen(p.seed, "usr")
	for i, c := range communes {
		loc := firstCommune + c
		p.monitorOf[c] = len(p.users)
		p.users = append(p.users, user{
			subject: fmt.Sprintf("synth-monitor-%03d", i+1),
			display: fmt.Sprintf("Moniteur synthétique %03d — %s", i+1, p.localities[loc].name),
			role:    roleMonitor, org: orgAMDH, domain: loc,
		})
	}
	for i := range nCoordinators {
		p.coordinators = append(p.coordinators, len(p.users))
		p.users = append(p.users, user{
			subject: fmt.Sprintf("synth-coordinator-%03d", i+1),
			display: fmt.Sprintf("Coordinateur synthétique %03d", i+1),
			role:    roleCoordinator, org: orgAMDH, domain: -1,
		})
	}
	for i := range nDIHR {
		p.users = append(p.users, user{
			subject: fmt.Sprintf("synth-dihr-%03d", i+1),
			display: fmt.Sprintf("Partenaire DIHR synthétique %03d", i+1),
			role:    roleDIHR, org: orgDIHR, domain: -1,
		})
	}
	// Liaison officers: in every region that of the first cercle's unit,
	// then those of the regional units of the first regions.
	var liaisons []int
	for ri := range nRegions {
		liaisons = append(liaisons, p.unitsOfRegion[ri][0])
	}
	for ri := 0; len(liaisons) < nFSI; ri++ {
		liaisons = append(liaisons, p.regionalUnit[ri])
	}
	for i, u := range liaisons {
		un := p.units[u]
		domain := un.cercle
		if domain < 0 {
			domain = un.region
		}
		p.users = append(p.users, user{
			subject: fmt.Sprintf("synth-fsi-%03d", i+1),
			display: fmt.Sprintf("Point focal synthétique %03d — %s", i+1, p.orgs[un.org].name),
			role:    roleFSI, org: un.org, domain: domain,
		})
	}
	for i := range p.users {
		p.users[i].id = userIDs.id(i)
		p.users[i].created = at(i + 600)
	}

	// Violation types.
	vtyIDs := newIDGen(p.seed, "vty")
	p.vtypes = make([]violationType, len(violationTerms))
	for i, t := range violationTerms {
		p.vtypes[i] = violationType{violationTerm: t, id: vtyIDs.id(i)}
	}

	// Where incidents happen: a skewed share for each monitored commune, a
	// small one for the others.
	weights := make([]float64, nCommunes)
	ranks := r.Perm(len(communes))
	total := 0.0
	for i, c := range communes {
		weights[c] = 1 / math.Pow(float64(ranks[i]+1), 0.8)
		total += weights[c]
	}
	mean := total / float64(len(communes))
	for c := range weights {
		if !monitored[c] {
			weights[c] = 0.15 * mean * (0.5 + r.Float64())
		}
	}
	p.communeWeights = weights
	p.communes = newDist(weights)
}

// commune returns the index in plan.localities of commune c (0..159).
func communeLocality(c int) int { return nRegions + nCercles + c }

// collectorOf returns the user who collects an incident in commune c: its
// monitor, else the monitor of the cercle's first commune.
func (p *plan) collectorOf(c int) int {
	if m := p.monitorOf[c]; m >= 0 {
		return m
	}
	return p.monitorOf[c-c%communesPerCercle]
}

// randomTime draws a time of day, mostly in the daytime.
func randomTime(r *rand.Rand, day time.Time) time.Time {
	h := between(r, 6, 21)
	if chance(r, 0.15) {
		h = r.IntN(24)
	}
	return day.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
}

// resultUsers lists the users and the role assignment of each.
func (p *plan) resultUsers() []User {
	out := make([]User, len(p.users))
	for i, u := range p.users {
		d := "*"
		if u.domain >= 0 {
			d = p.localities[u.domain].id
		}
		out[i] = User{Subject: u.subject, Role: u.role, Domain: d}
	}
	return out
}
