package demo

import (
	"context"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// ViolationTerm is a term of the demo vocabulary of violations.
type ViolationTerm struct {
	// Code is the term's stable code, e.g. arbitrary_arrest.
	Code string
	// LabelFR is the French label.
	LabelFR string
	// LabelEN is the English label.
	LabelEN string
	// Description is a French scope note: what the term covers.
	Description string
}

// ViolationTypes is the vocabulary of violations Load writes, in order.
var ViolationTypes = []ViolationTerm{
	{"arbitrary_arrest", "Arrestation ou détention arbitraire", "Arbitrary arrest or detention",
		"Interpellation sans motif légal, garde à vue prolongée au-delà du délai légal, détention sans présentation à un juge."},
	{"torture_ill_treatment", "Torture ou mauvais traitements", "Torture or ill-treatment",
		"Coups, sévices ou traitements cruels, inhumains ou dégradants infligés par des agents ou avec leur consentement."},
	{"extortion_racket", "Extorsion ou racket", "Extortion or racketeering",
		"Sommes d'argent ou biens exigés indûment, notamment aux postes de contrôle ou pour obtenir une libération."},
	{"killing", "Meurtre ou exécution sommaire", "Killing or summary execution",
		"Atteinte au droit à la vie : personne tuée par des agents ou en leur présence, hors cadre légal."},
	{"enforced_disappearance", "Disparition forcée", "Enforced disappearance",
		"Personne arrêtée ou enlevée par des agents ou avec leur appui, dont le sort et le lieu de détention sont cachés."},
	{"sexual_violence", "Violences sexuelles", "Sexual violence",
		"Viol, agression ou harcèlement sexuel, ou toute autre violence de nature sexuelle."},
	{"destruction_looting", "Destruction ou pillage de biens", "Destruction or looting of property",
		"Biens détruits, saisis sans procès-verbal ni restitution, ou pillés."},
	{"threats", "Menaces ou intimidation", "Threats or intimidation",
		"Menaces, intimidations ou représailles, notamment contre des plaignants ou des témoins."},
	{"denial_of_justice", "Déni d'accès à la justice", "Denial of access to justice",
		"Refus d'enregistrer une plainte, de la transmettre ou d'informer le plaignant des suites données."},
	{"attack_on_fsi", "Agression contre des agents des FSI", "Attack on internal security forces by civilians",
		"Violences, menaces ou destructions commises par des civils contre des agents ou des postes des forces de sécurité intérieure."},
}

// loadViolationTypes writes ViolationTypes.
func (l *loader) loadViolationTypes(ctx context.Context) error {
	builders := make([]*ent.ViolationTypeCreate, len(ViolationTypes))
	for i, t := range ViolationTypes {
		builders[i] = l.c.ViolationType.Create().
			SetCode(t.Code).
			SetLabelFr(t.LabelFR).
			SetLabelEn(t.LabelEN).
			SetDescription(t.Description)
	}
	created, err := l.c.ViolationType.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return err
	}
	l.types = make(map[string]gid.ID, len(created))
	for _, t := range created {
		l.types[t.Code] = t.ID
	}
	return nil
}
