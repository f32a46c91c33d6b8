package aggregate

import (
	"testing"

	"github.com/benkan-project/benkan/graph/model"
)

// TestDimensionFields: every dimension of the GraphQL enums names the type
// and field the policy must grant aggregate on, and each count refuses the
// dimensions of the other (a count of people has no VICTIM_GENDER, which
// would count people by the victims of their incident; a count of
// incidents no GENDER), so a new enum value cannot slip past the policy.
func TestDimensionFields(t *testing.T) {
	type want struct{ typ, field string }
	for _, tt := range []struct {
		count string
		of    func(DateField, Dimension) (string, string, bool)
		dims  []Dimension
		want  map[Dimension]want
	}{
		{"incidents", incidentDimField, dimsOf(model.AllIncidentDimension), map[Dimension]want{
			ByLocality: {"Incident", "locality"}, ByViolationType: {"Incident", "violationTypes"},
			ByStatus: {"Incident", "status"}, ByPeriod: {"Incident", "occurredAt"},
			ByPerpetratorCategory: {"Actor", "category"}, ByVictimGender: {"Actor", "gender"}, ByVictimAgeBracket: {"Actor", "ageBracket"},
		}},
		{"people", peopleField, dimsOf(model.AllInvolvementDimension), map[Dimension]want{
			ByLocality: {"Incident", "locality"}, ByViolationType: {"Incident", "violationTypes"},
			ByStatus: {"Incident", "status"}, ByPeriod: {"Incident", "occurredAt"},
			ByRole: {"Involvement", "role"}, ByGender: {"Actor", "gender"}, ByAgeBracket: {"Actor", "ageBracket"}, ByCategory: {"Actor", "category"},
		}},
	} {
		t.Run(tt.count, func(t *testing.T) {
			if len(tt.dims) != len(tt.want) {
				t.Errorf("the enum has %d dimensions, the test knows %d", len(tt.dims), len(tt.want))
			}
			for _, d := range tt.dims {
				typ, field, ok := tt.of(OccurredAt, d)
				if w, known := tt.want[d]; !ok || !known || typ != w.typ || field != w.field {
					t.Errorf("%s: %s.%s (%v), want %v", d, typ, field, ok, tt.want[d])
				}
			}
			for _, other := range []Dimension{ByRole, ByGender, ByAgeBracket, ByCategory, ByPerpetratorCategory, ByVictimGender, ByVictimAgeBracket} {
				if _, mine := tt.want[other]; mine {
					continue
				}
				if _, _, ok := tt.of(OccurredAt, other); ok {
					t.Errorf("counts of %s accept %s, a dimension of the other count", tt.count, other)
				}
			}
			if _, field, _ := tt.of(ReportedAt, ByPeriod); field != "reportedAt" {
				t.Errorf("PERIOD by report date needs %q, want reportedAt", field)
			}
		})
	}
}

// dimsOf converts the values of a GraphQL enum of dimensions.
func dimsOf[T ~string](vs []T) []Dimension {
	out := make([]Dimension, len(vs))
	for i, v := range vs {
		out[i] = Dimension(v)
	}
	return out
}
