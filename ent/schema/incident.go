package schema

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/benkan-project/benkan"
	gen "github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/hook"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/gid"
)

// Incident is an allegation of a human-rights abuse or violation, as recorded
// by a data collector. Narrative, exact location and source are sensitive;
// summary is the text a coordinator writes to be shared.
type Incident struct {
	ent.Schema
}

// Mixin of Incident.
func (Incident) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "inc"}, TimeMixin{}, CellKeyMixin{}, AccessMixin{}}
}

// referencePattern is the shape of an incident reference: a place code, the
// year and a number, e.g. NIO-2023-0042.
var referencePattern = regexp.MustCompile(`^[A-Z]{2,6}-[0-9]{4}-[0-9]{3,6}$`)

// incidentStatuses are the values of incident's status, with what each means.
var incidentStatuses = EnumValues{
	{"REPORTED", "Recorded by a data collector and not yet checked (the status of a new incident)."},
	{"UNDER_VERIFICATION", "AMDH is checking the allegation with its sources."},
	{"VERIFIED", "Verification found the allegation credible; it may now be referred or closed."},
	{"UNSUBSTANTIATED", "Verification did not confirm the allegation; it can only be closed from here."},
	{"REFERRED", "A verified allegation referred to an authority, e.g. justice or the unit's hierarchy, for action."},
	{"CLOSED", "Nothing more will be done; the record is kept."},
}

// Fields of Incident.
func (Incident) Fields() []ent.Field {
	sensitive := entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)
	return []ent.Field{
		field.String("reference").
			Optional(). // on input only: when it is left out, assignReference sets one
			Unique().
			Match(referencePattern).
			Comment("Reference code, unique: place code, year, number, e.g. NIO-2023-0042. Left out of a create, the server assigns one: the locality's first three letters, the year of occurredAt and a random number (NIO-2024-503817), which reveals nothing of other incidents.").
			Annotations(entgql.OrderField("REFERENCE"), rule("a place code of 2 to 6 capital letters, a year of 4 digits and a number of 3 to 6 digits, joined by '-', e.g. NIO-2023-0042")),
		field.Time("occurred_at").
			Comment("When the alleged events took place.").
			Annotations(entgql.OrderField("OCCURRED_AT")),
		field.Time("reported_at").
			Comment("When the allegation was reported to a data collector; never before occurredAt.").
			Annotations(entgql.OrderField("REPORTED_AT")),
		field.Enum("status").
			Values(incidentStatuses.Values()...).
			Default("REPORTED").
			Comment("Where the allegation stands: REPORTED → UNDER_VERIFICATION → VERIFIED or UNSUBSTANTIATED → REFERRED → CLOSED.").
			Annotations(incidentStatuses, entgql.OrderField("STATUS")),
		field.Bool("consent_to_share").
			Default(false).
			Comment("Whether the people concerned consented to the allegation being shared outside AMDH."),
		field.Text("summary").
			Optional().
			MaxLen(4000).
			Comment("Shareable summary written by a coordinator; contains nothing that identifies a person."),
		field.Text("narrative").
			Optional().
			Nillable().
			MaxLen(20000).
			Comment("Sensitive: the full account as collected. Never filterable or orderable.").
			Annotations(sensitive),
		field.String("exact_location").
			Optional().
			Nillable().
			MaxLen(500).
			Comment("Sensitive: where exactly the events took place. Never filterable or orderable.").
			Annotations(sensitive),
		field.String("locality_id").
			GoType(gid.ID("")).
			Comment("The id of the locality where the events took place.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("collected_by_id").
			GoType(gid.ID("")).
			Optional().
			Comment("The id of the data collector who recorded the allegation.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("source").
			Optional().
			Nillable().
			MaxLen(1000).
			Comment("Sensitive: how the information reached the collector. Never filterable or orderable.").
			Annotations(sensitive),
	}
}

// Edges of Incident.
func (Incident) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("locality", Locality.Type).
			Field("locality_id").
			Unique().
			Required().
			Comment("Where the events took place."),
		edge.To("violation_types", ViolationType.Type).
			Comment("The kinds of violation alleged; at least one."),
		edge.To("collected_by", User.Type).
			Field("collected_by_id").
			Unique().
			Comment("The data collector who recorded the allegation; the viewer who creates it unless a grant names Incident.collectedBy.").
			Annotations(collector),
		edge.To("involvements", Involvement.Type).
			Comment("The actors involved and their roles: victims, witnesses, sources, alleged perpetrators.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("follow_ups", FollowUp.Type).
			Ref("incident").
			Comment("What was done about the allegation.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of Incident: the columns dashboards filter and sort by. They
// are chosen from EXPLAIN (ANALYZE) of the SQL of the dashboard operations
// at a million incidents (BENCHMARKS.md):
//   - (occurred_at DESC, id) is the feed's order exactly (newest first, id
//     to break ties, as entgql's cursors need): the feed reads the first
//     rows of the index, without the sort that occurred_at alone leaves.
//   - (status, consent_to_share, occurred_at DESC, id) is the same order
//     within the rows of one status and consent: the liaisons' feed
//     (verified, consented, alleging their unit) walks it newest first and
//     checks each incident, instead of fetching every incident its unit is
//     alleged in and sorting them. It also serves status filters alone.
//   - (occurred_at) INCLUDE (locality_id, status, reported_at, cell_key,
//     id) holds every column a count of a period reads (package
//     aggregate): a year of a million incidents is then an index-only scan
//     of 190,000 entries instead of 56,000 heap pages (2.1 s cold, 0.4 s
//     warm, on PostgreSQL; INCLUDE is PostgreSQL's, SQLite keeps the plain
//     index). The id is for the counts that join the incidents to their
//     violation types or actors: without it each such scan read the heap
//     too (0.6–0.9 s of the year's type × gender; BENCHMARKS.md, session 8).
//     consent_to_share is for the counts of a protected role, which count
//     the rows it reads too (aggregate.PublishSeen): DIHR reads consented
//     incidents, and without the column its year was a bitmap heap scan
//     of 55,000 pages again (850 ms instead of 250; BENCHMARKS.md,
//     session 9).
//   - (reported_at) INCLUDE (locality_id, status, cell_key, id) is the
//     same for counts by report date, which otherwise filtered every entry
//     of the index above (a million) for the year's.
func (Incident) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("occurred_at").Annotations(entsql.IncludeColumns("locality_id", "status", "reported_at", "cell_key", "id", "consent_to_share")),
		index.Fields("reported_at").Annotations(entsql.IncludeColumns("locality_id", "status", "cell_key", "id")),
		index.Fields("status", "consent_to_share", "occurred_at", "id").Annotations(entsql.DescColumns("occurred_at")),
		index.Fields("occurred_at", "id").Annotations(entsql.DescColumns("occurred_at")),
	}
}

// Annotations of Incident.
func (Incident) Annotations() []schema.Annotation {
	return editable("An allegation of a human-rights abuse or violation. Narrative, exact location and source are sensitive; summary is the shareable text.")
}

// statusFlow lists, for each status, the statuses an incident may move to.
// Moving to the same status is always allowed.
var statusFlow = map[incident.Status][]incident.Status{
	incident.StatusREPORTED:           {incident.StatusUNDER_VERIFICATION},
	incident.StatusUNDER_VERIFICATION: {incident.StatusVERIFIED, incident.StatusUNSUBSTANTIATED},
	incident.StatusVERIFIED:           {incident.StatusREFERRED, incident.StatusCLOSED},
	incident.StatusUNSUBSTANTIATED:    {incident.StatusCLOSED},
	incident.StatusREFERRED:           {incident.StatusCLOSED},
	incident.StatusCLOSED:             nil,
}

// Hooks of Incident: the rules of the data model that span fields or edges.
func (Incident) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(incidentDatesInOrder, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne),
		hook.On(incidentStatusFollowsFlow, ent.OpUpdate|ent.OpUpdateOne),
		hook.On(incidentHasViolationTypes, ent.OpCreate|ent.OpUpdateOne),
		hook.On(assignReference, ent.OpCreate),
		hook.On(keepReference, ent.OpUpdate|ent.OpUpdateOne),
	}
}

func incidentDatesInOrder(next ent.Mutator) ent.Mutator {
	return hook.IncidentFunc(func(ctx context.Context, m *gen.IncidentMutation) (ent.Value, error) {
		err := checkOrder(ctx, "occurredAt", "reportedAt",
			newOrOld(m.Op(), m.OccurredAt, m.OldOccurredAt),
			newOrOld(m.Op(), m.ReportedAt, m.OldReportedAt))
		if err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}

func incidentStatusFollowsFlow(next ent.Mutator) ent.Mutator {
	return hook.IncidentFunc(func(ctx context.Context, m *gen.IncidentMutation) (ent.Value, error) {
		to, ok := m.Status()
		if !ok {
			return next.Mutate(ctx, m)
		}
		if !m.Op().Is(ent.OpUpdateOne) {
			return nil, benkan.FieldErrorf("status", "the status of incidents is changed one incident at a time")
		}
		from, err := m.OldStatus(ctx)
		if err != nil {
			return nil, fmt.Errorf("load old status: %w", err)
		}
		if from != to && !slices.Contains(statusFlow[from], to) {
			return nil, benkan.FieldErrorf("status", "an incident cannot move from %s to %s", from, to)
		}
		return next.Mutate(ctx, m)
	})
}

func incidentHasViolationTypes(next ent.Mutator) ent.Mutator {
	return hook.IncidentFunc(func(ctx context.Context, m *gen.IncidentMutation) (ent.Value, error) {
		added := m.ViolationTypesIDs()
		if m.Op().Is(ent.OpCreate) {
			if len(added) == 0 {
				return nil, benkan.FieldErrorf("violationTypeIDs", "an incident needs at least one violation type")
			}
			return next.Mutate(ctx, m)
		}
		removed := m.RemovedViolationTypesIDs()
		if !m.ViolationTypesCleared() && len(removed) == 0 {
			return next.Mutate(ctx, m)
		}
		id, ok := m.ID()
		if !ok {
			return nil, fmt.Errorf("update of an incident without id")
		}
		var remaining []gid.ID
		if !m.ViolationTypesCleared() {
			current, err := m.Client().Incident.Query().Where(incident.ID(id)).QueryViolationTypes().IDs(ctx)
			if err != nil {
				return nil, fmt.Errorf("load violation types: %w", err)
			}
			for _, v := range current {
				if !slices.Contains(removed, v) {
					remaining = append(remaining, v)
				}
			}
		}
		if len(remaining)+len(added) == 0 {
			return nil, benkan.FieldErrorf("violationTypeIDs", "an incident needs at least one violation type")
		}
		return next.Mutate(ctx, m)
	})
}
