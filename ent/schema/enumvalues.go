package schema

// EnumValues lists the values of an enum field with what each means, in
// the order they are declared: the one place their meaning is written down.
// Code generation (ent/entc.go) describes each GraphQL enum value with it
// and refuses an enum field whose values it does not describe all of.
type EnumValues []EnumValue

// EnumValue is one value of an enum field and what it means in the domain.
type EnumValue struct {
	Value string
	Doc   string
}

// Name implements schema.Annotation.
func (EnumValues) Name() string { return "EnumValues" }

// Values returns the values, for field.Enum(...).Values.
func (vs EnumValues) Values() []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Value
	}
	return out
}
