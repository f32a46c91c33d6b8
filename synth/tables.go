package synth

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql/schema"

	"github.com/benkan-project/benkan/ent/migrate"
)

// table is the rows of one table to write: n rows of the named columns,
// row i filled into dst by row(i, dst). row may be called in any order.
type table struct {
	name string
	cols []string
	n    int
	row  func(i int, dst []any)
	// order, if set, is the order in which to write the rows: that of the
	// primary key, so that PostgreSQL appends to its index instead of
	// inserting at random places (several times faster for millions of
	// rows). It changes nothing of the rows.
	order []int32
}

// index is the row to write k-th.
func (t *table) index(k int) int {
	if t.order == nil {
		return k
	}
	return int(t.order[k])
}

// ts returns the time of unix seconds, in UTC.
func ts(unix int64) time.Time { return time.Unix(unix, 0).UTC() }

// orNil returns nil for a negative index, else the id it names.
func orNil(i int, id func(int) string) any {
	if i < 0 {
		return nil
	}
	return id(i)
}

var activityLabels = []string{"Dialogue inclusif", "Débat radiophonique", "Journée sportive", "Journée de salubrité", "Formation", "Mission de monitoring", "Retraite stratégique", "Activité"}

var recommendationTexts = []string{
	"Informer systématiquement les personnes gardées à vue de leurs droits et du délai légal.",
	"Afficher dans chaque poste les numéros d'appel pour signaler un abus.",
	"Organiser une rencontre trimestrielle entre la population et l'unité.",
	"Transmettre au parquet les plaintes reçues dans un délai de quinze jours.",
	"Former les agents à l'accueil des victimes de violences sexuelles.",
	"Restituer les biens saisis contre procès-verbal.",
}

var fupTexts = []string{
	"Réponse de l'unité mise en cause",
	"Saisine du procureur",
	"Prise en charge médicale",
	"Assistance juridique",
	"Soutien psychosocial",
	"Médiation communautaire",
	"Autre suivi",
}

// reference returns the reference of incident i, e.g. SYN-2021-000123.
func (p *plan) reference(i int) string {
	in := &p.incidents[i]
	prefix := "SYN"
	if in.refLetter > 0 {
		prefix += string(rune('A' + in.refLetter - 1))
	}
	return fmt.Sprintf("%s-%04d-%06d", prefix, ts(in.reported).Year(), in.number)
}

func (p *plan) communeName(c int16) string { return p.localities[communeLocality(int(c))].name }

func (p *plan) userID(i int) string     { return p.users[i].id }
func (p *plan) orgID(i int) string      { return p.orgs[i].id }
func (p *plan) localityID(i int) string { return p.localities[i].id }

// tables returns the tables to write, parents before children.
func (p *plan) tables() []*table {
	var vtypes []int
	for i, v := range p.vtypes {
		if !v.exists {
			vtypes = append(vtypes, i)
		}
	}
	// Incidents, and their violation types, in the order of the primary
	// keys: (incident_id, violation_type_id) for the join table.
	incidentOrder := p.incIDs.sortedOrder(len(p.incidents))
	incidentTypes := make([]pair, 0, len(p.incidents)*17/10)
	for _, i := range incidentOrder {
		in := &p.incidents[i]
		vts := in.vt[:in.nvt]
		slices.SortFunc(vts, func(a, b uint8) int { return strings.Compare(p.vtypes[a].id, p.vtypes[b].id) })
		for _, v := range vts {
			incidentTypes = append(incidentTypes, pair{i, int32(v)})
		}
	}
	return []*table{
		{
			name: "localities",
			cols: []string{"id", "created_at", "updated_at", "name", "level", "latitude", "longitude", fkColumn(migrate.LocalitiesTable, migrate.LocalitiesTable)},
			n:    len(p.localities),
			row: func(i int, d []any) {
				l := &p.localities[i]
				d[0], d[1], d[2], d[3], d[4] = l.id, l.created, l.created, l.name, l.level
				d[5], d[6], d[7] = l.lat, l.lon, orNil(l.parent, p.localityID)
			},
		},
		{
			name: "organizations",
			cols: []string{"id", "created_at", "updated_at", "name", "acronym", "kind", fkColumn(migrate.OrganizationsTable, migrate.OrganizationsTable), fkColumn(migrate.OrganizationsTable, migrate.LocalitiesTable)},
			n:    len(p.orgs),
			row: func(i int, d []any) {
				o := &p.orgs[i]
				var acronym any
				if o.acronym != "" {
					acronym = o.acronym
				}
				d[0], d[1], d[2], d[3], d[4], d[5] = o.id, o.created, o.created, o.name, acronym, o.kind
				d[6], d[7] = orNil(o.parent, p.orgID), orNil(o.locality, p.localityID)
			},
		},
		{
			name: "users",
			cols: []string{"id", "created_at", "updated_at", "subject", "display_name", fkColumn(migrate.UsersTable, migrate.OrganizationsTable)},
			n:    len(p.users),
			row: func(i int, d []any) {
				u := &p.users[i]
				d[0], d[1], d[2], d[3], d[4], d[5] = u.id, u.created, u.created, u.subject, u.display, p.orgs[u.org].id
			},
		},
		{
			name: "violation_types",
			cols: []string{"id", "created_at", "updated_at", "code", "label_fr", "label_en", "description"},
			n:    len(vtypes),
			row: func(i int, d []any) {
				v := &p.vtypes[vtypes[i]]
				at := setupTime.Add(time.Duration(vtypes[i]) * time.Second)
				d[0], d[1], d[2], d[3], d[4], d[5] = v.id, at, at, v.code, v.labelFR, v.labelEN
				d[6] = v.description + " Terme créé par le jeu de données synthétique."
			},
		},
		{
			name:  "actors",
			cols:  []string{"id", "created_at", "updated_at", "kind", "category", "gender", "age_bracket", "full_name", "contact", "address", "collected_by_id", "organization_id"},
			n:     len(p.actors),
			order: p.actIDs.sortedOrder(len(p.actors)),
			row: func(i int, d []any) {
				a := &p.actors[i]
				var name, contact, address, org any
				switch a.kind {
				case kindUnit:
					name = p.orgs[p.units[i].org].name
					org = p.orgs[p.units[i].org].id
				case kindGroup:
					name = fmt.Sprintf("Groupe synthétique %06d", i+1)
				default:
					name = fmt.Sprintf("Personne synthétique %06d", i+1)
				}
				if a.contact {
					contact = fmt.Sprintf("+223 00 %02d %02d %02d (synthétique)", i/10000%100, i/100%100, i%100)
				}
				if a.address {
					address = fmt.Sprintf("Quartier synthétique %d, rue %d (adresse fictive)", 1+i%37, 1+i%211)
				}
				t := ts(a.created)
				d[0], d[1], d[2], d[3] = p.actIDs.id(i), t, t, actorKinds[a.kind]
				d[4], d[5], d[6] = categories[a.category], genders[a.gender], ageBrackets[a.age]
				d[7], d[8], d[9] = name, contact, address
				d[10], d[11] = orNil(int(a.collector), p.userID), org
			},
		},
		{
			name:  "incidents",
			cols:  []string{"id", "created_at", "updated_at", "reference", "occurred_at", "reported_at", "status", "consent_to_share", "summary", "narrative", "exact_location", "source", "locality_id", "collected_by_id", "cell_key"},
			n:     len(p.incidents),
			order: incidentOrder,
			row: func(i int, d []any) {
				in := &p.incidents[i]
				ref := p.reference(i)
				label := p.vtypes[in.vt[0]].labelFR
				commune := p.communeName(in.commune)
				var summary, narrative, location, source any
				if in.status != statusReported {
					summary = "Résumé synthétique : " + strings.ToLower(label[:1]) + label[1:] + " alléguée, " + commune + "."
				}
				if in.narrative {
					narrative = "Récit synthétique de l'incident " + ref + " (" + label + ", " + commune +
						"). Texte généré automatiquement pour des essais de charge ; il ne décrit aucun fait réel."
				}
				if in.location {
					location = fmt.Sprintf("Lieu-dit synthétique %d, %s", 1+i%97, commune)
				}
				if in.source >= 0 {
					source = sources[in.source]
				}
				d[0], d[1], d[2], d[3] = p.incIDs.id(i), ts(in.created), ts(in.updated), ref
				d[4], d[5], d[6], d[7] = ts(in.occurred), ts(in.reported), statuses[in.status], in.consent
				d[8], d[9], d[10], d[11] = summary, narrative, location, source
				d[12], d[13] = p.localities[communeLocality(int(in.commune))].id, orNil(int(in.collector), p.userID)
				d[14] = p.cellKey(i)
			},
		},
		{
			name: "incident_violation_types",
			cols: []string{"incident_id", "violation_type_id"},
			n:    len(incidentTypes),
			row: func(i int, d []any) {
				t := incidentTypes[i]
				d[0], d[1] = p.incIDs.id(int(t.a)), p.vtypes[t.b].id
			},
		},
		{
			name:  "involvements",
			cols:  []string{"id", "created_at", "updated_at", "role", "incident_id", "actor_id"},
			n:     len(p.involvements),
			order: p.invIDs.sortedOrder(len(p.involvements)),
			row: func(i int, d []any) {
				v := &p.involvements[i]
				t := ts(p.incidents[v.incident].created + int64(i%50))
				d[0], d[1], d[2] = p.invIDs.id(i), t, t
				d[3], d[4], d[5] = roles[v.role], p.incIDs.id(int(v.incident)), p.actIDs.id(int(v.actor))
			},
		},
		{
			name:  "follow_ups",
			cols:  []string{"id", "created_at", "updated_at", "kind", "done_on", "description", "incident_id", fkColumn(migrate.FollowUpsTable, migrate.OrganizationsTable)},
			n:     len(p.followUps),
			order: p.fupIDs.sortedOrder(len(p.followUps)),
			row: func(i int, d []any) {
				f := &p.followUps[i]
				t := ts(f.created)
				d[0], d[1], d[2], d[3], d[4] = p.fupIDs.id(i), t, t, fupKinds[f.kind], ts(f.done)
				d[5] = fmt.Sprintf("Suivi synthétique n° %06d — %s pour l'incident %s. Texte généré automatiquement.", i+1, fupTexts[f.kind], p.reference(int(f.incident)))
				d[6], d[7] = p.incIDs.id(int(f.incident)), p.orgs[f.org].id
			},
		},
		{
			name: "activities",
			cols: []string{"id", "created_at", "updated_at", "kind", "title", "starts_on", "ends_on", "women_count", "men_count", "youth_count", "security_force_count", "summary", "outcomes", "locality_id"},
			n:    len(p.activities),
			row: func(i int, d []any) {
				a := &p.activities[i]
				commune := p.communeName(a.commune)
				var outcomes any
				if a.outcomes {
					outcomes = "Résultats synthétiques : engagements pris par les participants (texte fictif)."
				}
				start := ts(a.start)
				d[0], d[1], d[2], d[3] = p.acvIDs.id(i), ts(a.created), ts(a.updated), acvKinds[a.kind]
				d[4] = fmt.Sprintf("%s synthétique n° %06d — %s", activityLabels[a.kind], i+1, commune)
				d[5], d[6] = start, start.AddDate(0, 0, int(a.days))
				d[7], d[8], d[9], d[10] = int64(a.women), int64(a.men), int64(a.youth), int64(a.sfc)
				d[11] = "Activité synthétique générée automatiquement pour des essais de charge (" + commune + ")."
				d[12], d[13] = outcomes, p.localities[communeLocality(int(a.commune))].id
			},
		},
		{
			name: "activity_organizers",
			cols: []string{"activity_id", "organization_id"},
			n:    len(p.organizers),
			row: func(i int, d []any) {
				o := p.organizers[i]
				d[0], d[1] = p.acvIDs.id(int(o.a)), p.orgs[o.b].id
			},
		},
		{
			name: "recommendations",
			cols: []string{"id", "created_at", "updated_at", "text", "status", "due_on", "activity_id"},
			n:    len(p.recommendations),
			row: func(i int, d []any) {
				r := &p.recommendations[i]
				var due any
				if r.due != 0 {
					due = ts(r.due)
				}
				d[0], d[1], d[2] = p.recIDs.id(i), ts(r.created), ts(r.updated)
				d[3] = fmt.Sprintf("Recommandation synthétique n° %06d : %s", i+1, recommendationTexts[i%len(recommendationTexts)])
				d[4], d[5], d[6] = recStatuses[r.status], due, p.acvIDs.id(int(r.activity))
			},
		},
		{
			name: "recommendation_addressees",
			cols: []string{"recommendation_id", "organization_id"},
			n:    len(p.addressees),
			row: func(i int, d []any) {
				a := p.addressees[i]
				d[0], d[1] = p.recIDs.id(int(a.a)), p.orgs[a.b].id
			},
		},
	}
}

// fkColumn returns the column of t's foreign key to ref, as ent names it
// (edge columns such as follow_ups.organization_id have been renamed
// before: reading the generated schema keeps Load in step).
func fkColumn(t, ref *schema.Table) string {
	for _, fk := range t.ForeignKeys {
		if fk.RefTable == ref && len(fk.Columns) == 1 {
			return fk.Columns[0].Name
		}
	}
	panic(fmt.Sprintf("synth: no foreign key from %s to %s in ent/migrate", t.Name, ref.Name))
}
