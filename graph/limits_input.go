package graph

import (
	"reflect"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
)

// patternSuffixes end the names of the filter fields whose value becomes a
// LIKE or ILIKE pattern (entgql's where inputs): summaryContainsFold…
var patternSuffixes = []string{"Contains", "HasPrefix", "HasSuffix", "EqualFold", "ContainsFold"}

func isPatternField(name string) bool {
	for _, s := range patternSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// likeLength is the length of s once ent escapes it for LIKE: `%`, `_` and
// `\` each get a backslash.
func likeLength(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || c == '_' || c == '\\' {
			n++
		}
	}
	return n
}

// inputMeter measures input values against the limits: nesting, the
// number of values, list and string lengths, patterns and NUL bytes. It
// stops at the first value past a limit, so that measuring a value costs
// at most the limits' worth of work.
type inputMeter struct {
	limits Limits
	values int
	path   []string // where the value being measured is, for errors
}

func (m *inputMeter) at() string { return strings.Join(m.path, ".") }

func (m *inputMeter) push(p string) { m.path = append(m.path, p) }

func (m *inputMeter) pop() { m.path = m.path[:len(m.path)-1] }

func (m *inputMeter) fail(code string, limit int, format string, args ...any) *gqlerror.Error {
	e := limitExceeded(code, limit, nil, format, args...)
	if len(m.path) > 0 {
		e.Extensions["field"] = m.at()
	}
	return e
}

// count counts one more value.
func (m *inputMeter) count() *gqlerror.Error {
	m.values++
	if m.values > m.limits.MaxInputValues {
		return m.fail(benkan.ETOOMANYVALUES, m.limits.MaxInputValues, "the arguments and variables hold more than %d values in all: split the request", m.limits.MaxInputValues)
	}
	return nil
}

// checkValues is the final check of the number of values (count stops at
// the first one past the limit; this is for meters that only add).
func (m *inputMeter) checkValues() *gqlerror.Error {
	if m.values > m.limits.MaxInputValues {
		return m.fail(benkan.ETOOMANYVALUES, m.limits.MaxInputValues, "the arguments and variables hold more than %d values in all: split the request", m.limits.MaxInputValues)
	}
	return nil
}

// nest checks that a value at this level (objects and lists enclosing it,
// itself included) is within MaxInputDepth.
func (m *inputMeter) nest(level int) *gqlerror.Error {
	if level > m.limits.MaxInputDepth {
		return m.fail(benkan.EINPUTTOODEEP, m.limits.MaxInputDepth, "an argument nests objects and lists more than %d levels deep: flatten the filter", m.limits.MaxInputDepth)
	}
	return nil
}

func (m *inputMeter) list(n int) *gqlerror.Error {
	if n > m.limits.MaxListSize {
		return m.fail(benkan.ELISTTOOLONG, m.limits.MaxListSize, "a list has %d items, more than the limit of %d", n, m.limits.MaxListSize)
	}
	return nil
}

// str checks a string value; pattern says whether it is the value of a
// LIKE filter.
func (m *inputMeter) str(s string, pattern bool) *gqlerror.Error {
	if len(s) > m.limits.MaxStringLength {
		return m.fail(benkan.ESTRINGTOOLONG, m.limits.MaxStringLength, "a string is %d bytes long, more than the limit of %d", len(s), m.limits.MaxStringLength)
	}
	if strings.IndexByte(s, 0) >= 0 {
		e := m.fail(benkan.EINVALID, 0, "strings may not contain the NUL character (\\u0000): PostgreSQL cannot store it")
		delete(e.Extensions, "limit")
		return e
	}
	if pattern {
		if n := likeLength(s); n > m.limits.MaxPatternLength {
			return m.fail(benkan.EPATTERNTOOLONG, m.limits.MaxPatternLength, "a Contains, HasPrefix, HasSuffix, EqualFold or ContainsFold value is %d bytes long (%%, _ and \\ count twice), more than the limit of %d", n, m.limits.MaxPatternLength)
		}
	}
	return nil
}

// raw measures a decoded JSON value (a variable) enclosed in level objects
// and lists, and returns its own depth (0 for a scalar).
func (m *inputMeter) raw(v any, level int, name string) (int, *gqlerror.Error) {
	m.push(name)
	defer m.pop()
	return m.rawValue(v, level, false)
}

func (m *inputMeter) rawValue(v any, level int, pattern bool) (int, *gqlerror.Error) {
	if err := m.count(); err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case nil, bool, float64, int64, int, int32, float32:
		return 0, nil
	case string:
		return 0, m.str(x, pattern)
	case map[string]any:
		if err := m.nest(level + 1); err != nil {
			return 0, err
		}
		depth := 0
		for k, c := range x {
			m.push(k)
			d, err := m.rawValue(c, level+1, isPatternField(k))
			m.pop()
			if err != nil {
				return 0, err
			}
			depth = max(depth, d)
		}
		return depth + 1, nil
	case []any:
		if err := m.nest(level + 1); err != nil {
			return 0, err
		}
		if err := m.list(len(x)); err != nil {
			return 0, err
		}
		depth := 0
		for _, c := range x {
			d, err := m.rawValue(c, level+1, pattern)
			if err != nil {
				return 0, err
			}
			depth = max(depth, d)
		}
		return depth + 1, nil
	}
	return m.reflected(reflect.ValueOf(v), level, pattern)
}

// reflected measures the values of other types that coercion may produce
// (typed slices and maps, json.Number, enums…).
func (m *inputMeter) reflected(v reflect.Value, level int, pattern bool) (int, *gqlerror.Error) {
	switch v.Kind() {
	case reflect.String:
		return 0, m.str(v.String(), pattern)
	case reflect.Slice, reflect.Array:
		if err := m.nest(level + 1); err != nil {
			return 0, err
		}
		if err := m.list(v.Len()); err != nil {
			return 0, err
		}
		depth := 0
		for i := range v.Len() {
			d, err := m.rawValue(v.Index(i).Interface(), level+1, pattern)
			if err != nil {
				return 0, err
			}
			depth = max(depth, d)
		}
		return depth + 1, nil
	case reflect.Map:
		if err := m.nest(level + 1); err != nil {
			return 0, err
		}
		depth := 0
		it := v.MapRange()
		for it.Next() {
			k := it.Key().String()
			m.push(k)
			d, err := m.rawValue(it.Value().Interface(), level+1, isPatternField(k))
			m.pop()
			if err != nil {
				return 0, err
			}
			depth = max(depth, d)
		}
		return depth + 1, nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 0, nil
		}
		return m.reflected(v.Elem(), level, pattern)
	}
	return 0, nil
}

// inputWalk measures the inline values of a document, with the variables'
// depths added where they are used.
type inputWalk struct {
	meter     inputMeter
	vars      map[string]any
	varDepth  map[string]int
	fragments map[string]bool
}

// checkInputs checks the arguments of oc's operation, inline and from
// variables, and its variables' values, against l. Fragments are measured
// once each: their inline values are the same at every spread.
func checkInputs(l Limits, oc *graphql.OperationContext) *gqlerror.Error {
	w := inputWalk{meter: inputMeter{limits: l}, vars: oc.Variables, varDepth: map[string]int{}, fragments: map[string]bool{}}
	for name, v := range oc.Variables {
		d, err := w.meter.raw(v, 0, "$"+name)
		if err != nil {
			return err
		}
		w.varDepth[name] = d
	}
	for _, def := range oc.Operation.VariableDefinitions {
		if err := w.directives(def.Directives); err != nil {
			return err
		}
	}
	if err := w.directives(oc.Operation.Directives); err != nil {
		return err
	}
	if err := w.set(oc.Operation.SelectionSet); err != nil {
		return err
	}
	return w.meter.checkValues()
}

func (w *inputWalk) set(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				if err := w.argument(s.Alias, a); err != nil {
					return err
				}
			}
			if err := w.directives(s.Directives); err != nil {
				return err
			}
			if err := w.set(s.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := w.directives(s.Directives); err != nil {
				return err
			}
			if err := w.set(s.SelectionSet); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if err := w.directives(s.Directives); err != nil {
				return err
			}
			if s.Definition != nil && !w.fragments[s.Name] {
				w.fragments[s.Name] = true
				if err := w.directives(s.Definition.Directives); err != nil {
					return err
				}
				if err := w.set(s.Definition.SelectionSet); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (w *inputWalk) directives(ds ast.DirectiveList) *gqlerror.Error {
	for _, d := range ds {
		for _, a := range d.Arguments {
			if err := w.argument("@"+d.Name, a); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *inputWalk) argument(field string, a *ast.Argument) *gqlerror.Error {
	w.meter.push(field + "." + a.Name)
	defer w.meter.pop()
	err := w.value(a.Value, 0, false)
	if err != nil && a.Position != nil && len(err.Locations) == 0 {
		err.Locations = []gqlerror.Location{{Line: a.Position.Line, Column: a.Position.Column}}
	}
	return err
}

// value measures an inline value enclosed in level objects and lists.
func (w *inputWalk) value(v *ast.Value, level int, pattern bool) *gqlerror.Error {
	if v == nil {
		return nil
	}
	m := &w.meter
	switch v.Kind {
	case ast.Variable:
		if err := m.nest(level + w.varDepth[v.Raw]); err != nil {
			return err
		}
		if s, ok := w.vars[v.Raw].(string); ok {
			return m.str(s, pattern)
		}
		return nil
	case ast.StringValue, ast.BlockValue:
		if err := m.count(); err != nil {
			return err
		}
		return m.str(v.Raw, pattern)
	case ast.ListValue:
		if err := m.count(); err != nil {
			return err
		}
		if err := m.nest(level + 1); err != nil {
			return err
		}
		if err := m.list(len(v.Children)); err != nil {
			return err
		}
		for _, c := range v.Children {
			if err := w.value(c.Value, level+1, pattern); err != nil {
				return err
			}
		}
		return nil
	case ast.ObjectValue:
		if err := m.count(); err != nil {
			return err
		}
		if err := m.nest(level + 1); err != nil {
			return err
		}
		for _, c := range v.Children {
			m.push(c.Name)
			err := w.value(c.Value, level+1, isPatternField(c.Name))
			m.pop()
			if err != nil {
				return err
			}
		}
		return nil
	}
	return m.count()
}
