package schema

// RuleAnnotation states, for people, the rule a field's validators enforce
// (ent's Match, Min, Max… cannot be read back). The rules template
// (ent/template/rules.tmpl) turns it into the message a client gets when a
// value breaks the rule, instead of ent's "validator failed for field…".
// Fields whose only rules are lengths need none: the template says them.
type RuleAnnotation struct {
	// Text completes "must be …", e.g. "a place code, a year and a number, e.g. NIO-2023-0042".
	Text string
}

// Name implements schema.Annotation.
func (RuleAnnotation) Name() string { return "Rule" }

// rule returns the annotation stating a field's rule.
func rule(text string) RuleAnnotation { return RuleAnnotation{Text: text} }
