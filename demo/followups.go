package demo

import (
	"context"
	"slices"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/followup"
	"github.com/benkan-project/benkan/ent/incident"
)

// followUpTexts are the fictitious descriptions of each kind of follow-up.
var followUpTexts = map[followup.Kind][]string{
	followup.KindUNIT_RESPONSE: {
		"Le chef d'unité, saisi par l'AMDH, a reconnu un manquement et rappelé à l'ordre les agents concernés (suivi fictif).",
		"L'unité a été saisie par courrier ; elle a transmis sa version des faits et s'est engagée à mener une enquête interne (suivi fictif).",
		"Les biens saisis ont été restitués au plaignant après une rencontre avec le chef d'unité (suivi fictif).",
	},
	followup.KindJUDICIAL_REFERRAL: {
		"Avec l'accord de la victime, le dossier a été transmis au parquet compétent (suivi fictif).",
		"Une plainte a été déposée auprès du procureur de la République avec l'appui de l'AMDH (suivi fictif).",
	},
	followup.KindMEDICAL_ASSISTANCE: {
		"La victime a été orientée vers le centre de santé de référence et ses frais de soins ont été pris en charge (suivi fictif).",
	},
	followup.KindLEGAL_ASSISTANCE: {
		"La victime a reçu une consultation juridique gratuite sur ses droits et les voies de recours (suivi fictif).",
		"Un avocat partenaire de l'AMDH a été désigné pour assister la victime (suivi fictif).",
	},
	followup.KindPSYCHOSOCIAL_SUPPORT: {
		"La victime a bénéficié de séances d'écoute et de soutien psychosocial (suivi fictif).",
	},
	followup.KindMEDIATION: {
		"Une rencontre de médiation entre le plaignant, le chef d'unité et des leaders communautaires a permis un règlement à l'amiable (suivi fictif).",
		"Le différend a été porté devant le cadre de concertation local, qui a obtenu des excuses publiques (suivi fictif).",
	},
}

// otherTexts are the descriptions of OTHER follow-ups, by the status of
// the incident.
var otherTexts = map[incident.Status]string{
	incident.StatusUNDER_VERIFICATION: "Entretiens complémentaires avec des témoins dans le cadre de la vérification (suivi fictif).",
	incident.StatusUNSUBSTANTIATED:    "Vérification close : les éléments recueillis n'ont pas permis d'établir les faits allégués (suivi fictif).",
}

// followUp is a follow-up to write.
type followUp struct {
	incident int
	kind     followup.Kind
	doneOn   time.Time
	org      string
	text     string
}

// loadFollowUps plans and writes what was done about the allegations, after
// they were reported, according to where each stands.
func (l *loader) loadFollowUps(ctx context.Context) error {
	r := l.rng
	var planned []followUp
	for i, p := range l.plans {
		var kinds []followup.Kind
		care := followup.KindLEGAL_ASSISTANCE
		if slices.Contains(p.types, "torture_ill_treatment") || slices.Contains(p.types, "sexual_violence") || p.sc.againstFSI {
			care = pick(r, w(followup.KindMEDICAL_ASSISTANCE, 2), w(followup.KindPSYCHOSOCIAL_SUPPORT, 1))
		}
		switch p.status {
		case incident.StatusUNDER_VERIFICATION:
			if chance(r, 0.25) {
				kinds = append(kinds, pick(r, w(followup.KindUNIT_RESPONSE, 1), w(followup.KindOTHER, 1)))
			}
		case incident.StatusUNSUBSTANTIATED:
			if chance(r, 0.3) {
				kinds = append(kinds, followup.KindOTHER)
			}
		case incident.StatusVERIFIED:
			if chance(r, 0.5) {
				kinds = append(kinds, pick(r, w(care, 3), w(followup.KindUNIT_RESPONSE, 2), w(followup.KindMEDIATION, 1)))
			}
		case incident.StatusREFERRED:
			kinds = append(kinds, followup.KindJUDICIAL_REFERRAL)
			if chance(r, 0.3) {
				kinds = append(kinds, followup.KindLEGAL_ASSISTANCE)
			}
		case incident.StatusCLOSED:
			kinds = append(kinds, pick(r, w(followup.KindUNIT_RESPONSE, 3), w(followup.KindMEDIATION, 2)))
			if chance(r, 0.2) {
				kinds = append(kinds, care)
			}
		}
		// Each follow-up is at least a day after the report, and after the
		// one before it.
		done := p.reported.Truncate(24 * time.Hour)
		for _, k := range kinds {
			done = done.AddDate(0, 0, between(r, 1, 45))
			f := followUp{incident: i, kind: k, doneOn: done, org: orgAMDH}
			if k == followup.KindOTHER {
				f.text = otherTexts[p.status]
			} else {
				f.text = oneOf(r, followUpTexts[k]...)
			}
			if k == followup.KindUNIT_RESPONSE {
				f.org = l.unitConcerned(p)
			}
			planned = append(planned, f)
		}
	}
	builders := make([]*ent.FollowUpCreate, len(planned))
	for i, f := range planned {
		builders[i] = l.c.FollowUp.Create().
			SetIncidentID(l.incidentIDs[f.incident]).
			SetKind(f.kind).
			SetDoneOn(f.doneOn).
			SetDescription(f.text).
			SetOrganizationID(idOf(l.orgs, f.org))
	}
	_, err := saveAll(ctx, builders, func(ctx context.Context, bs []*ent.FollowUpCreate) ([]*ent.FollowUp, error) {
		return l.c.FollowUp.CreateBulk(bs...).Save(ctx)
	})
	return err
}

// unitConcerned is the unit alleged in an incident, or else the first unit
// of its site.
func (l *loader) unitConcerned(p *incidentPlan) string {
	if p.perpetrator >= 0 && l.actors[p.perpetrator].org != "" {
		return l.actors[p.perpetrator].org
	}
	return unitsIn(p.site.commune)[0]
}
