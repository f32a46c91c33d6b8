package demo

import (
	"time"

	"github.com/benkan-project/benkan/ent/activity"
	"github.com/benkan-project/benkan/ent/recommendation"
)

// projectTitle is the project's name, as published.
const projectTitle = "Promotion du dialogue entre les forces de sécurité intérieure et les populations pour renforcer leur lien de confiance et de collaboration"

// retreatKey is the key of the strategic retreat of Ségou.
const retreatKey = "SEG/STRATEGIC_RETREAT/2023"

// retreat is the strategic retreat that closed the project in Ségou on
// 18–19 December 2023, as the press reported it. Its participant counts
// are illustrative: the press gave none.
var retreat = activitySpec{
	key:     retreatKey,
	kind:    activity.KindSTRATEGIC_RETREAT,
	title:   "Retraite stratégique de Ségou",
	commune: "Ségou",
	starts:  day(2023, time.December, 18),
	ends:    day(2023, time.December, 19),
	women:   9, men: 23, youth: 7, security: 8,
	summary: "Atelier de clôture du projet « " + projectTitle + " », mis en œuvre par l'AMDH durant trois ans " +
		"dans les localités de Niono, Kayes et Fourou avec le financement et l'assistance technique de l'Institut Danois des Droits de l'Homme. " +
		"Les intervenants du projet ont fait l'analyse globale du projet. Le coordinateur du projet, M. Sory Diakité, a présenté le bilan : " +
		"journées de salubrité, journées sportives, débats radiophoniques, sessions de dialogues inclusifs et, par-dessus tout, " +
		"collecte des données sur les allégations d'abus et de violations des droits humains, avec la contribution des populations, " +
		"des FSI/FDS et des communautés, pour régénérer la confiance entre les populations et les FSI/FDS.",
	outcomes: "Les acquis des phases précédentes du projet ont été capitalisés ; des solutions ont été proposées aux difficultés rencontrées ; " +
		"les moyens d'exécuter les recommandations majeures des phases précédentes ont été identifiés. " +
		"De nouvelles perspectives ont été dégagées pour la mise en œuvre des résultats obtenus, et une éventuelle prorogation du projet " +
		"a été préconisée, prenant en compte les nouvelles orientations nées des constats sur le terrain.",
	organizers: []string{orgAMDH, orgDIHR},
}

// retreatRecommendations are recommendations of the kind the retreat made,
// from the difficulties the project named (behaviour of some agents,
// communities' feeling of insecurity, poor communication and reception of
// users, populations not involved in security matters, weak accountability
// of the FSI, incivility). Their wording, statuses and due dates are
// illustrative.
var retreatRecommendations = []recommendationSpec{
	{
		activity:   retreatKey,
		text:       "Renforcer la redevabilité des forces de sécurité intérieure : enregistrer et traiter les plaintes des usagers et informer les plaignants des suites données.",
		status:     recommendation.StatusACCEPTED,
		due:        day(2024, time.June, 30),
		addressees: []string{orgPolice, orgGendarmerie, orgGarde, orgProtection},
	},
	{
		activity:   retreatKey,
		text:       "Améliorer l'accueil et l'information des usagers dans les commissariats et les brigades.",
		status:     recommendation.StatusIN_PROGRESS,
		due:        day(2024, time.March, 31),
		addressees: []string{unitPoliceNiono, unitPoliceKayes, unitGendKayes, unitGendFourou},
	},
	{
		activity:   retreatKey,
		text:       "Impliquer les populations dans les questions sécuritaires par des cadres de concertation locaux réunissant les FSI, les autorités et les communautés.",
		status:     recommendation.StatusPROPOSED,
		due:        day(2024, time.September, 30),
		addressees: []string{orgAMDH, orgPolice, orgGendarmerie},
	},
	{
		activity:   retreatKey,
		text:       "Poursuivre les dialogues inclusifs, les débats radiophoniques et les journées sportives et de salubrité conjointes à Niono, Kayes et Fourou.",
		status:     recommendation.StatusIN_PROGRESS,
		due:        day(2024, time.December, 31),
		addressees: []string{orgAMDH},
	},
	{
		activity:   retreatKey,
		text:       "Proroger le projet en prenant en compte les nouvelles orientations nées des constats sur le terrain.",
		status:     recommendation.StatusPROPOSED,
		due:        day(2024, time.March, 31),
		addressees: []string{orgDIHR, orgAMDH},
	},
	{
		activity:   retreatKey,
		text:       "Renforcer la collecte et la vérification des données sur les allégations d'abus et de violations des droits humains, et en partager les résultats avec les unités concernées.",
		status:     recommendation.StatusACCEPTED,
		due:        day(2024, time.June, 30),
		addressees: []string{orgAMDH, orgDIHR},
	},
	{
		activity:   retreatKey,
		text:       "Sensibiliser les populations contre l'incivisme et pour le respect des agents en service.",
		status:     recommendation.StatusIMPLEMENTED,
		due:        day(2024, time.May, 31),
		addressees: []string{orgAMDH, radioNiono, radioKayes, radioFourou},
	},
}
