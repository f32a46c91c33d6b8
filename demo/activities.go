package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/activity"
	"github.com/benkan-project/benkan/gid"
)

// activitySpec is an activity to write.
type activitySpec struct {
	// key names the activity for the recommendations made at it:
	// "<site code>/<kind>/<year>".
	key                         string
	kind                        activity.Kind
	title                       string
	commune                     string
	starts, ends                time.Time
	women, men, youth, security int
	summary, outcomes           string
	organizers                  []string
}

// schedule is the illustrative calendar of activities every project site
// ran, in the kinds the project reported.
var schedule = []struct {
	kind  activity.Kind
	year  int
	month time.Month
}{
	{activity.KindTRAINING, 2021, time.March},
	{activity.KindINCLUSIVE_DIALOGUE, 2021, time.June},
	{activity.KindRADIO_DEBATE, 2021, time.September},
	{activity.KindSPORTS_DAY, 2021, time.November},
	{activity.KindCLEANLINESS_DAY, 2022, time.January},
	{activity.KindTRAINING, 2022, time.February},
	{activity.KindINCLUSIVE_DIALOGUE, 2022, time.May},
	{activity.KindMONITORING_MISSION, 2022, time.August},
	{activity.KindRADIO_DEBATE, 2023, time.February},
	{activity.KindSPORTS_DAY, 2023, time.March},
	{activity.KindINCLUSIVE_DIALOGUE, 2023, time.May},
	{activity.KindMONITORING_MISSION, 2023, time.July},
	{activity.KindCLEANLINESS_DAY, 2023, time.October},
}

// topics are the subjects of dialogues and radio debates: the causes of
// the mistrust between FSI and populations the project named.
var topics = []string{
	"la redevabilité des forces de sécurité intérieure",
	"l'accueil des usagers dans les commissariats et les brigades",
	"l'implication des populations dans les questions sécuritaires",
	"le sentiment d'insécurité des communautés",
	"l'incivisme et le respect des agents en service",
	"la communication entre les forces de sécurité intérieure et les populations",
	"les comportements indélicats de certains agents et les voies de recours",
}

// activityTexts are the title, summary and outcomes of each kind of
// activity; they take the commune (%[1]s) and the topic (%[2]s).
var activityTexts = map[activity.Kind][3]string{
	activity.KindTRAINING: {
		"Formation des collecteurs de données de %[1]s",
		"Renforcement des capacités des collecteurs de données de %[1]s sur l'identification, la documentation et le signalement des cas d'abus et de violations des droits humains, le consentement éclairé et la protection des personnes.",
		"Les collecteurs disposent de fiches de collecte communes et d'un circuit de transmission des allégations à la coordination de l'AMDH.",
	},
	activity.KindINCLUSIVE_DIALOGUE: {
		"Dialogue inclusif sur %[2]s — %[1]s",
		"Session de dialogue inclusif réunissant des agents des FSI, des autorités locales, des leaders communautaires, des femmes et des jeunes de %[1]s autour de %[2]s.",
		"Les participants ont pris des engagements réciproques et formulé des recommandations aux unités locales et aux communautés.",
	},
	activity.KindRADIO_DEBATE: {
		"Débat radiophonique sur %[2]s — %[1]s",
		"Émission interactive en langues nationales sur %[2]s, avec des représentants des FSI, de l'AMDH et de la société civile de %[1]s ; les auditeurs ont posé leurs questions par téléphone.",
		"Les auditeurs ont été informés de leurs droits et des voies de recours ; les FSI ont présenté leurs missions et leurs contraintes.",
	},
	activity.KindSPORTS_DAY: {
		"Journée sportive FSI–populations — %[1]s",
		"Tournoi de football entre équipes mixtes d'agents des FSI et de jeunes de %[1]s, suivi d'un échange sur la collaboration pour la sécurité du quartier.",
		"Des liens se sont noués entre agents et jeunes ; les participants ont demandé que la journée soit renouvelée chaque année.",
	},
	activity.KindCLEANLINESS_DAY: {
		"Journée de salubrité conjointe FSI–populations — %[1]s",
		"Nettoyage conjoint, par les agents des FSI et les habitants de %[1]s, des abords du marché, des voies publiques et des locaux des unités.",
		"Les espaces publics ont été assainis ; l'action a été saluée comme un geste de rapprochement entre les FSI et les populations.",
	},
	activity.KindMONITORING_MISSION: {
		"Mission de suivi du monitoring — %[1]s",
		"Mission de la coordination de l'AMDH auprès des collecteurs de données de %[1]s pour vérifier des allégations et rencontrer les responsables des unités et les autorités locales.",
		"Des allégations ont été vérifiées ou écartées ; des cas ont été signalés aux unités concernées pour réponse.",
	},
}

// loadActivities plans and writes the activities of every project site
// and the strategic retreat of Ségou.
func (l *loader) loadActivities(ctx context.Context) error {
	var specs []activitySpec
	for n, s := range projectSites() {
		topic := n * 3
		for _, e := range schedule {
			specs = append(specs, l.planActivity(s, e.kind, e.year, e.month, topics[topic%len(topics)]))
			if e.kind == activity.KindINCLUSIVE_DIALOGUE || e.kind == activity.KindRADIO_DEBATE {
				topic++
			}
		}
	}
	specs = append(specs, retreat)
	builders := make([]*ent.ActivityCreate, len(specs))
	for i, a := range specs {
		orgIDs := make([]gid.ID, len(a.organizers))
		for j, o := range a.organizers {
			orgIDs[j] = idOf(l.orgs, o)
		}
		builders[i] = l.c.Activity.Create().
			SetKind(a.kind).
			SetTitle(a.title).
			SetStartsOn(a.starts).
			SetEndsOn(a.ends).
			SetWomenCount(a.women).
			SetMenCount(a.men).
			SetYouthCount(a.youth).
			SetSecurityForceCount(a.security).
			SetLocalityID(idOf(l.communes, a.commune)).
			SetSummary(a.summary).
			SetOutcomes(a.outcomes).
			AddOrganizerIDs(orgIDs...)
	}
	created, err := l.c.Activity.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return err
	}
	l.activityIDs = make(map[string]gid.ID, len(created))
	for i, a := range created {
		l.activityIDs[specs[i].key] = a.ID
	}
	return nil
}

// planActivity draws the days, participants and organizers of an activity
// of kind at site s in the given month.
func (l *loader) planActivity(s *site, kind activity.Kind, year int, month time.Month, topic string) activitySpec {
	r := l.rng
	texts := activityTexts[kind]
	a := activitySpec{
		key:        fmt.Sprintf("%s/%s/%d", s.code, kind, year),
		kind:       kind,
		title:      fmt.Sprintf(texts[0], s.commune, topic),
		commune:    s.commune,
		starts:     day(year, month, between(r, 1, 25)),
		summary:    fmt.Sprintf(texts[1], s.commune, topic),
		outcomes:   texts[2],
		organizers: []string{orgAMDH},
	}
	if kind == activity.KindTRAINING && year > 2021 {
		a.title = "Session de recyclage des collecteurs de données de " + s.commune
	}
	// total: participants; women, youth and security: shares of it in percent.
	var total, women, youth, security int
	days := 1
	switch kind {
	case activity.KindTRAINING:
		total, women, youth, security, days = between(r, 15, 25), between(r, 30, 50), between(r, 30, 50), between(r, 0, 10), between(r, 2, 3)
		a.organizers = append(a.organizers, orgDIHR)
	case activity.KindINCLUSIVE_DIALOGUE:
		total, women, youth, security = between(r, 40, 70), between(r, 30, 45), between(r, 25, 40), between(r, 15, 25)
		if year == 2021 || chance(r, 0.3) {
			a.organizers = append(a.organizers, orgDIHR)
		}
	case activity.KindRADIO_DEBATE:
		total, women, youth, security = between(r, 5, 8), between(r, 20, 40), between(r, 10, 30), between(r, 25, 35)
		a.organizers = append(a.organizers, radioIn(s.commune))
	case activity.KindSPORTS_DAY:
		total, women, youth, security = between(r, 120, 300), between(r, 20, 40), between(r, 60, 75), between(r, 10, 20)
		a.organizers = append(a.organizers, groupsIn(s.commune)...)
	case activity.KindCLEANLINESS_DAY:
		total, women, youth, security = between(r, 80, 200), between(r, 40, 55), between(r, 40, 60), between(r, 10, 20)
		a.organizers = append(a.organizers, groupsIn(s.commune)...)
	case activity.KindMONITORING_MISSION:
		total, women, youth, security, days = between(r, 3, 6), between(r, 20, 50), between(r, 0, 30), 0, between(r, 2, 4)
	}
	a.ends = a.starts.AddDate(0, 0, days-1)
	a.women = total * women / 100
	a.men = total - a.women
	a.youth = total * youth / 100
	a.security = total * security / 100
	return a
}
