package graph

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqljson"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/predicate"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// reads collects, for one response, the sensitive fields read of each
// object, so that they are written to the audit log in one statement.
type reads struct {
	mu      sync.Mutex
	objects map[readKey][]string
	// objectID is the events' objectID: empty for reads of the rows in
	// objectIds, throughFilter for reads through a filter (see
	// filterReads).
	objectID string
}

type readKey struct {
	typ string
	id  gid.ID
}

func (r *reads) add(typ string, id gid.ID, field string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.objects == nil {
		r.objects = map[readKey][]string{}
	}
	k := readKey{typ, id}
	if !slices.Contains(r.objects[k], field) {
		r.objects[k] = append(r.objects[k], field)
	}
}

// readEvent is one READ_SENSITIVE event: the objects of one type of which
// one response read exactly the same sensitive fields.
//
// Events are grouped per response, type and set of fields, not per
// response and type: a page can read the narrative of some rows and not of
// others (a monitor reads the narrative of its own submissions only, the
// field is masked on the rest), and one event listing every id with the
// union of the fields would claim reads that did not happen. With the set
// of fields in the key, every event states exactly which fields of which
// rows were served, and a response still writes few events — one per type
// and per distinct set of fields read, which the query's selection bounds
// (a feed page reading narrative and source as admin is one event, however
// many rows it has) — so that the audit grows with requests, not rows.
type readEvent struct {
	typ    string
	fields []string // sorted
	ids    []string // sorted
}

// events groups the reads into events, in a stable order (type, then
// fields).
func (r *reads) events() []readEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	byKey := map[string]*readEvent{}
	for k, fields := range r.objects {
		fields = slices.Clone(fields)
		slices.Sort(fields)
		key := k.typ + "\x00" + strings.Join(fields, "\x00")
		e := byKey[key]
		if e == nil {
			e = &readEvent{typ: k.typ, fields: fields, ids: []string{}}
			byKey[key] = e
		}
		if k.id != "" { // a filter's read of rows none of which was served
			e.ids = append(e.ids, string(k.id))
		}
	}
	out := make([]readEvent, 0, len(byKey))
	for _, e := range byKey {
		slices.Sort(e.ids)
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b readEvent) int {
		if c := strings.Compare(a.typ, b.typ); c != 0 {
			return c
		}
		return slices.Compare(a.fields, b.fields)
	})
	return out
}

// write records the reads as READ_SENSITIVE AuditEvents (see readEvent),
// in the name of the user who read: the administrator when the request is
// a preview as v. The events carry the request's id, so that an event can
// be tied to the server's log lines of the same request. Their objectID is
// empty: the objects read are in objectIds.
//
// The events are written in one statement through client: the caller
// passes the transaction's client for a mutation, so that a mutation and
// the audit of what its response read are committed together or not at
// all. An error means nothing of it was recorded: the caller must not
// serve the data (see Access.InterceptResponse).
func (r *reads) write(ctx context.Context, client *ent.Client, v *policy.Viewer) error {
	if v == nil {
		return nil
	}
	events := r.events()
	if len(events) == 0 {
		return nil
	}
	subject, decision := v.Subject, "allowed by role "+strings.Join(v.Roles(), ", ")
	if by := v.PreviewedBy(); by != "" {
		// The administrator previewing as v is the one who read.
		subject, decision = by, "preview as "+v.Subject+": "+decision
	}
	decision = policy.Clip(decision)
	requestID := benkan.RequestID(ctx)
	creates := make([]*ent.AuditEventCreate, 0, len(events))
	for _, e := range events {
		c := client.AuditEvent.Create().
			SetSubject(subject).
			SetAction(auditevent.ActionREAD_SENSITIVE).
			SetObjectType(e.typ).
			SetObjectID(r.objectID).
			SetObjectIds(e.ids).
			SetFields(e.fields).
			SetFieldGroups(fieldGroups(v, e.typ, e.fields)).
			SetDecision(decision)
		if requestID != "" {
			c.SetRequestID(requestID)
		}
		creates = append(creates, c)
	}
	if err := audit.Append(ctx, client, creates...); err != nil {
		return fmt.Errorf("write %d audit events of sensitive reads: %w", len(creates), err)
	}
	return nil
}

// fieldGroups returns the audited groups of the policy (Incident:sensitive…)
// that the fields of typ belong to, sorted.
func fieldGroups(v *policy.Viewer, typ string, fields []string) []string {
	var out []string
	for _, f := range fields {
		out = append(out, v.AuditGroups(typ, f)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// inverseReads notes the audited reads an edge field makes from its other
// end: the rows of User.collectedIncidents are the incidents whose
// collectedBy is that user, so serving them reads Incident.collectedBy
// (Incident:sensitive) of each, as surely as selecting collectedBy on
// them would, and the audit records it so (ent.Inverses lists the edges
// back, from the schema). Rows whose field the viewer may not read are not
// recorded as read: they are not the viewer's reads of that field.
//
// res is the field's result: a connection (its edges' nodes, when the
// selection serves them), a list of rows or one row. An answer that tells
// of rows it does not serve (a count, pageInfo, an empty page) is recorded
// as a read through a filter, as a filter on the field is.
func (st *response) inverseReads(v *policy.Viewer, fc *graphql.FieldContext, res any) {
	inv, ok := ent.Inverses[fc.Object][fc.Field.Name]
	if !ok || v == nil {
		return
	}
	if _, audited := v.FieldFacts(inv.Target, inv.Field); !audited {
		return
	}
	rows := servedRows(fc.Field.Selections, res)
	for _, row := range rows {
		if id, ok := policy.RowID(row); ok && v.CanReadField(inv.Target, inv.Field, row) {
			st.reads.add(inv.Target, id, inv.Field)
		}
	}
	if tellsUnserved(fc.Field.Selections, rows) {
		// collectedIncidents { totalCount } counts the incidents a user
		// collected as incidents(where: {hasCollectedByWith: …}) {
		// totalCount } does: a read through the edge of rows not named
		// (see filterReads). The edge is served only to a viewer that
		// reads the field on every row it sees (ReadsInverse).
		st.through.add(inv.Target, "", inv.Field)
	}
}

// filterReads notes the audited reads a field's filter makes of the rows
// the field serves: incidents(where: {hasCollectedByWith: {subject: …}})
// answers which incidents a given user collected, a read of their
// collectedBy even when the selection names only their ids. (Which
// fields a filter reads, checkOperation found; the viewer may filter on
// them only if it reads them on every row, MayFilter.)
//
// A filter that reads, through an edge, audited fields of another type
// (users(where: {hasCollectedIncidentsWith: {narrativeContains: …}}),
// incidents(where: {hasInvolvementsWith: {hasActorWith: {fullNameContains:
// …}}})) learns of those fields' values on the rows it matched there,
// which are not served and would take a second query to name: it is
// recorded as a READ_SENSITIVE event of that type and fields (with their
// groups), whose objectID is throughFilter and whose objectIds are the
// rows the field served, of its own type (none when it served only a
// count): one event per response, type and set of fields, as other reads.
//
// A filter on the field's own type tells of the rows it matched and did not
// serve too, whatever the selection: incidents(where: {hasCollectedByWith:
// …}) { totalCount } counts the incidents a user collected, pageInfo tells
// whether more matched than the page, an empty page that none did. Such an
// answer is recorded as a read through a filter of those fields of that
// type (objectIds empty: the rows are not named), next to the reads of the
// rows served, if any.
func (st *response) filterReads(v *policy.Viewer, fc *graphql.FieldContext, res any) {
	f, ok := st.filtered[fc.Field.Field]
	if !ok || v == nil {
		return
	}
	rows := servedRows(fc.Field.Selections, res)
	for _, row := range rows {
		id, ok := policy.RowID(row)
		if !ok {
			continue
		}
		for _, field := range f.fields {
			st.reads.add(f.typ, id, field)
		}
		for typ, fields := range f.other {
			for _, field := range fields {
				st.through.add(typ, id, field)
			}
		}
	}
	if len(rows) == 0 {
		for typ, fields := range f.other {
			for _, field := range fields {
				st.through.add(typ, "", field)
			}
		}
	}
	if tellsUnserved(fc.Field.Selections, rows) {
		// A count, a page's bounds or an empty page tell of rows the
		// filter matched and the response did not serve (how many
		// incidents a user collected, whether there are more): a read of
		// the filtered fields of rows it does not name.
		for _, field := range f.fields {
			st.through.add(f.typ, "", field)
		}
	}
}

// tellsUnserved reports whether a field's answer tells of rows it does not
// serve: none served (a count alone, edges without their nodes, an empty
// page: the rows matched are none, or some, unnamed), or a connection's
// totalCount or pageInfo next to its page (how many matched, whether more
// did beyond it).
func tellsUnserved(sel ast.SelectionSet, rows []any) bool {
	return len(rows) == 0 || selects(sel, "totalCount") || selects(sel, "pageInfo")
}

// throughFilter is the objectID of the events of reads through a filter
// (see filterReads): their objectIds are the rows served, of another type.
const throughFilter = "through a filter"

// auditedReads is the ent.FilterVisitor that lists the audited fields and
// edges of typ a filter reads (into), and those of other types it reads
// beyond an edge (other), of rows the field does not serve. An edge with
// an edge back reads that edge of the rows it leads to
// (hasCollectedIncidentsWith tells which incidents a user collected:
// their collectedBy).
type auditedReads struct {
	v     *policy.Viewer
	typ   string
	into  []string
	other map[string][]string
}

func (r *auditedReads) Field(typ, field string) error {
	if !r.v.Audited(typ, field) {
		return nil
	}
	if typ == r.typ {
		if !slices.Contains(r.into, field) {
			r.into = append(r.into, field)
		}
		return nil
	}
	if r.other == nil {
		r.other = map[string][]string{}
	}
	if !slices.Contains(r.other[typ], field) {
		r.other[typ] = append(r.other[typ], field)
	}
	return nil
}

func (r *auditedReads) Edge(typ, edge, _ string) error {
	if inv, ok := ent.Inverses[typ][edge]; ok {
		if err := r.Field(inv.Target, inv.Field); err != nil {
			return err
		}
	}
	return r.Field(typ, edge)
}

// servedRows returns the rows of an edge's result that its selection
// serves: the nodes of a connection's edges when edges { node } is
// selected (a count alone serves none), the items of a list, or the row.
func servedRows(sel ast.SelectionSet, res any) []any {
	rv := reflect.ValueOf(res)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil
		}
		if rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct && rv.Elem().FieldByName("PageInfo").IsValid() {
			break // a connection
		}
		if rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct {
			return []any{rv.Interface()}
		}
		rv = rv.Elem()
	}
	switch {
	case rv.Kind() == reflect.Slice:
		out := make([]any, 0, rv.Len())
		for i := range rv.Len() {
			out = append(out, rv.Index(i).Interface())
		}
		return out
	case rv.Kind() != reflect.Pointer:
		return nil
	}
	if !selects(sel, "edges", "node") {
		return nil
	}
	edges := rv.Elem().FieldByName("Edges")
	if !edges.IsValid() || edges.Kind() != reflect.Slice {
		return nil
	}
	out := make([]any, 0, edges.Len())
	for i := range edges.Len() {
		e := edges.Index(i)
		if e.Kind() == reflect.Pointer {
			if e.IsNil() {
				continue
			}
			e = e.Elem()
		}
		if n := e.FieldByName("Node"); n.IsValid() {
			out = append(out, n.Interface())
		}
	}
	return out
}

// selects reports whether sel selects the path of field names, looking
// into fragments (a spread's definition, an inline fragment).
func selects(sel ast.SelectionSet, path ...string) bool {
	if len(path) == 0 {
		return true
	}
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == path[0] && selects(s.SelectionSet, path[1:]...) {
				return true
			}
		case *ast.InlineFragment:
			if selects(s.SelectionSet, path...) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && selects(s.Definition.SelectionSet, path...) {
				return true
			}
		}
	}
	return false
}

// objectIDsContains is the predicate of AuditEventWhereInput.objectIdsContains: the
// events whose object_ids list id, decided by the database (a JSON
// containment test: object_ids @> '"id"' on PostgreSQL, EXISTS over
// json_each on SQLite), so that the filter pages and counts like the
// generated ones.
func objectIDsContains(id gid.ID) predicate.AuditEvent {
	return func(s *sql.Selector) {
		s.Where(sqljson.ValueContains(s.C(auditevent.FieldObjectIds), string(id)))
	}
}
