package graph

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// reads collects, for one response, the sensitive fields read per object,
// so that they are written to the audit log in one statement.
type reads struct {
	mu      sync.Mutex
	objects map[readKey][]string
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

// write records the reads as AuditEvents, in the name of the user who
// read: the administrator when the request is a preview as v. A failure
// is logged: the data has already been served, and failing the response
// would not unread it.
func (r *reads) write(ctx context.Context, client *ent.Client, v *policy.Viewer, log *slog.Logger) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.objects) == 0 || v == nil {
		return
	}
	subject, decision := v.Subject, "allowed by role "+strings.Join(v.Roles(), ", ")
	if by := v.PreviewedBy(); by != "" {
		// The administrator previewing as v is the one who read.
		subject, decision = by, "preview as "+v.Subject+": "+decision
	}
	decision = policy.Clip(decision)
	creates := make([]*ent.AuditEventCreate, 0, len(r.objects))
	for k, fields := range r.objects {
		slices.Sort(fields)
		creates = append(creates, client.AuditEvent.Create().
			SetSubject(subject).
			SetAction(auditevent.ActionREAD_SENSITIVE).
			SetObjectType(k.typ).
			SetObjectID(string(k.id)).
			SetFields(fields).
			SetDecision(decision))
	}
	if err := audit.Append(ctx, client, creates...); err != nil {
		log.ErrorContext(ctx, "write audit events", "err", err, "events", len(creates))
	}
}
