package policy

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/util"
)

//go:embed model.conf
var modelText string

// arity is the number of values each kind of policy line holds after its
// ptype: p role, domain, object, action, scope; g subject, role, domain;
// g2 field, group.
var arity = map[string]int{"p": 5, "g": 3, "g2": 2}

// NewEnforcer returns a Casbin enforcer of model.conf holding lines (each
// ptype first, as in Casbin's CSV). It registers the domain matching the
// model's comments declare: a role held in "*" holds in every domain, and a
// permission line of domain "*" applies in every domain.
//
// A line of the wrong kind or length is an error, never a panic: Casbin
// indexes values by position and would fail later, at a request.
func NewEnforcer(lines [][]string) (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("load policy model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("create enforcer: %w", err)
	}
	e.EnableAutoBuildRoleLinks(false)
	e.AddNamedDomainMatchingFunc("g", "keyMatch", util.KeyMatch)
	e.AddFunction("collector", collectorFunc)
	for _, l := range lines {
		if len(l) == 0 || arity[l[0]] != len(l)-1 {
			return nil, fmt.Errorf("policy line %q: want p with 5 values, g with 3 or g2 with 2", strings.Join(l, ", "))
		}
		sec := "p"
		if l[0] != "p" {
			sec = "g"
		}
		if ok, _ := m.HasPolicy(sec, l[0], l[1:]); ok {
			continue
		}
		if err := m.AddPolicy(sec, l[0], l[1:]); err != nil {
			return nil, fmt.Errorf("policy line %q: %w", strings.Join(l, ", "), err)
		}
	}
	if err := e.BuildRoleLinks(); err != nil {
		return nil, fmt.Errorf("build role links: %w", err)
	}
	return e, nil
}

// collectorFunc is model.conf's collector(OBJECT): whether OBJECT is the
// field that records who collected a row ("Incident.collectedBy"), or
// every field ("Type.*") of a type that has one. Creating or updating it
// needs a grant naming it (see collector.go); the schema says which field
// it is, so the model never lists them itself.
func collectorFunc(args ...any) (any, error) {
	if len(args) != 1 {
		return false, fmt.Errorf("collector: want one object, got %d arguments", len(args))
	}
	object, ok := args[0].(string)
	if !ok {
		return false, fmt.Errorf("collector: want a string object")
	}
	typ, field, isField := splitObject(object)
	if !isField {
		return false, nil
	}
	_, _, has := collectorOf(typ)
	return field == "*" && has || isCollector(typ, field), nil
}
