package desk

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Reads of the record are themselves recorded (docs/SECURITY.md): who,
// what, which case, with which query, before the read is answered.

// recordTimeout bounds how long a read waits for its record: a store too
// slow to take it refuses the read instead of hanging.
const recordTimeout = 3 * time.Second

// maxQueryLen bounds the query kept in the record.
const maxQueryLen = 500

type readRecorder struct{ *audit.Recorder }

func newReadRecorder(r Record) *readRecorder { return &readRecorder{audit.NewRecorder(r)} }

// read is one read of the record, as it is recorded.
type read struct {
	what   string // audit.Read…
	caseID string
	ref    string // as the caller named the case
	// query is what narrowed the read, as name=value pairs.
	query [][2]string
}

// recordRead puts a read on the record before it is served. If the record
// cannot be written the read is refused (Unavailable): an auditor's read
// nobody can see afterwards is worse than a read refused.
func (d *Desk) recordRead(ctx context.Context, actor helpdesk.Actor, rd read) error {
	pairs := make([]string, 0, len(rd.query))
	for _, kv := range rd.query {
		if kv[1] != "" {
			pairs = append(pairs, kv[0]+"="+kv[1])
		}
	}
	q := strings.Join(pairs, "&")
	if len(q) > maxQueryLen {
		q = strings.ToValidUTF8(q[:maxQueryLen], "")
	}
	roles := make([]string, len(actor.Roles))
	for i, r := range actor.Roles {
		roles[i] = string(r)
	}
	ar := audit.AuditRead{Actor: actor.Username, Roles: roles, What: rd.what, CaseID: rd.caseID, Ref: rd.ref,
		Query: q, At: d.now().UTC(), RequestID: uuid.NewString()}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := d.recorder.Record(ctx, ar); err != nil {
		return &unrecordedRead{cause: err}
	}
	return nil
}

// unrecordedRead is the refusal of a read that could not be recorded; it
// keeps the cause for the door's log.
type unrecordedRead struct{ cause error }

func (e *unrecordedRead) Error() string {
	return "audit read not recorded; read refused: " + e.cause.Error()
}
func (e *unrecordedRead) Unwrap() []error {
	return []error{e.cause, refuse(Unavailable, "",
		"lesingen kunne ikke loggføres, og blir derfor ikke utført; prøv igjen", "the read could not be recorded, so it is not served; try again")}
}
