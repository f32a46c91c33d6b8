package demo

import (
	"context"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/recommendation"
	"github.com/benkan-project/benkan/gid"
)

// recommendationSpec is a recommendation to write.
type recommendationSpec struct {
	// activity is the key of the activity it was made at.
	activity   string
	text       string
	status     recommendation.Status
	due        time.Time
	addressees []string
}

// localRecommendations are illustrative recommendations of the project's
// local activities.
var localRecommendations = []recommendationSpec{
	{
		activity:   "NIO/INCLUSIVE_DIALOGUE/2023",
		text:       "Afficher dans les locaux de l'unité les droits des personnes gardées à vue et les voies de recours.",
		status:     recommendation.StatusIMPLEMENTED,
		due:        day(2023, time.September, 30),
		addressees: []string{unitPoliceNiono},
	},
	{
		activity:   "KAY/INCLUSIVE_DIALOGUE/2022",
		text:       "Tenir chaque trimestre une réunion de concertation entre les unités de Kayes et les associations de quartier.",
		status:     recommendation.StatusIN_PROGRESS,
		due:        day(2023, time.June, 30),
		addressees: []string{unitGendKayes, unitPoliceKayes, youthKayes},
	},
	{
		activity:   "FOU/INCLUSIVE_DIALOGUE/2022",
		text:       "Désigner à la brigade un agent chargé de l'accueil des plaignants.",
		status:     recommendation.StatusIMPLEMENTED,
		due:        day(2022, time.December, 31),
		addressees: []string{unitGendFourou},
	},
	{
		activity:   "FOU/INCLUSIVE_DIALOGUE/2023",
		text:       "Informer les transporteurs et les commerçants des documents exigés aux postes de contrôle, pour mettre fin aux paiements indus.",
		status:     recommendation.StatusACCEPTED,
		due:        day(2023, time.December, 31),
		addressees: []string{unitGendFourou, orgAMDH},
	},
	{
		activity:   "NIO/RADIO_DEBATE/2023",
		text:       "Diffuser chaque mois une émission sur les droits et devoirs des citoyens face aux forces de sécurité.",
		status:     recommendation.StatusDROPPED,
		due:        day(2023, time.December, 31),
		addressees: []string{radioNiono, orgAMDH},
	},
	{
		activity:   "KAY/MONITORING_MISSION/2023",
		text:       "Transmettre au parquet les allégations vérifiées restées sans réponse de l'unité concernée.",
		status:     recommendation.StatusPROPOSED,
		due:        day(2024, time.March, 31),
		addressees: []string{orgAMDH},
	},
}

// loadRecommendations writes the recommendations of the retreat and of
// the local activities.
func (l *loader) loadRecommendations(ctx context.Context) error {
	specs := append(append([]recommendationSpec(nil), retreatRecommendations...), localRecommendations...)
	builders := make([]*ent.RecommendationCreate, len(specs))
	for i, s := range specs {
		orgIDs := make([]gid.ID, len(s.addressees))
		for j, o := range s.addressees {
			orgIDs[j] = idOf(l.orgs, o)
		}
		builders[i] = l.c.Recommendation.Create().
			SetActivityID(idOf(l.activityIDs, s.activity)).
			SetText(s.text).
			SetStatus(s.status).
			SetDueOn(s.due).
			AddAddresseeIDs(orgIDs...)
	}
	_, err := l.c.Recommendation.CreateBulk(builders...).Save(ctx)
	return err
}
