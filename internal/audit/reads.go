package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// What was read: the values of AuditRead.What.
const (
	ReadHistory    = "history"      // GET /cases/{ref}/history
	ReadState      = "state"        // GET /cases/{ref}/state
	ReadSLA        = "sla"          // GET /cases/{ref}/sla
	ReadVerifyCase = "verify"       // GET /cases/{ref}/verify
	ReadVerifyAll  = "audit-verify" // GET /audit/verify
	ReadExport     = "audit-export" // GET /audit/export
	ReadKPI        = "kpi"          // GET /reports/kpi
	ReadAuditReads = "audit-reads"  // GET /audit/reads: reading the reads is a read too
)

// AuditRead records that someone read the record: who, what, which case,
// with which query, when. It is appended to the day's LogStream before the
// answer is sent.
type AuditRead struct {
	Actor string   `json:"actor"`
	Roles []string `json:"roles,omitempty"`
	What  string   `json:"what"`
	// CaseID and Ref name the case read, if one was: the ID as resolved,
	// and the reference as the caller wrote it.
	CaseID string    `json:"caseId,omitempty"`
	Ref    string    `json:"ref,omitempty"`
	Query  string    `json:"query,omitempty"`
	At     time.Time `json:"at"`
	// RequestID is unique per read; the event's ID derives from it.
	RequestID string `json:"requestId"`
}

// EventType names AuditRead in the store.
func (AuditRead) EventType() string { return "AuditRead" }

// LogStreamPrefix starts every audit-log stream. The projections read
// only case streams, so these never reach the read model.
const LogStreamPrefix = "auditlog-"

// LogStream is the stream holding the reads of t's day (in Oslo): one
// stream a day keeps each hash chain short and a period's reads a handful
// of stream reads.
func LogStream(t time.Time) string {
	return LogStreamPrefix + t.In(helpdesk.Oslo).Format(time.DateOnly)
}

// Store is what recording reads needs of the event store.
type Store interface {
	Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error)
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error)
}

// Recorder appends AuditRead events. It remembers each day stream's head,
// so a read costs one append; a writer elsewhere (another API process)
// shows up as a wrong expected revision, and the recorder reads the new
// head and tries again.
type Recorder struct {
	store Store
	mu    sync.Mutex
	heads map[string]eventstore.ExpectedRevision
}

// NewRecorder records reads in store.
func NewRecorder(store Store) *Recorder {
	return &Recorder{store: store, heads: map[string]eventstore.ExpectedRevision{}}
}

// maxAttempts bounds the retries when other writers keep winning.
const maxAttempts = 8

// pause is a short random wait before trying again after losing a race:
// without it a writer whose round trip is longer (it must read the new
// head first) can lose to a busy one every time.
func pause(ctx context.Context, attempt int) error {
	t := time.NewTimer(rand.N(time.Duration(attempt) * 5 * time.Millisecond))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Record appends rd to its day's stream, with the expected revision and an
// event ID derived from rd.RequestID, so a retry after a lost answer
// cannot record the read twice. An error means the read is not on the
// record.
func (r *Recorder) Record(ctx context.Context, rd AuditRead) error {
	if rd.RequestID == "" || rd.Actor == "" || rd.What == "" || rd.At.IsZero() {
		return errors.New("audit: a read needs a request ID, an actor, what was read and when")
	}
	data, err := json.Marshal(rd)
	if err != nil {
		return fmt.Errorf("audit: encode read: %w", err)
	}
	meta, err := json.Marshal(helpdesk.Metadata{Actor: rd.Actor, OccurredAt: rd.At, CorrelationID: rd.RequestID})
	if err != nil {
		return fmt.Errorf("audit: encode read: %w", err)
	}
	stream := LogStream(rd.At)
	ev := eventstore.EventData{ID: eventstore.DeterministicID(stream, rd.RequestID, "audit-read", 0),
		Type: rd.EventType(), Data: data, Metadata: meta}

	r.mu.Lock()
	defer r.mu.Unlock()
	for s := range r.heads { // yesterday's heads are never needed again
		if s != stream {
			delete(r.heads, s)
		}
	}
	exp, known := r.heads[stream]
	if !known {
		if exp, err = r.head(ctx, stream, eventstore.NoStream()); err != nil {
			return err
		}
	}
	for attempt := 1; ; attempt++ {
		res, err := r.store.Append(ctx, stream, exp, ev)
		switch {
		case err == nil:
			r.heads[stream] = res.NextExpected
			return nil
		case errors.Is(err, eventstore.ErrIDConflict):
			// The ID is unique to this read: an earlier attempt of ours
			// landed although its answer was lost.
			delete(r.heads, stream)
			return nil
		case errors.Is(err, eventstore.ErrWrongExpectedRevision) && attempt < maxAttempts:
			if err := pause(ctx, attempt); err != nil {
				delete(r.heads, stream)
				return fmt.Errorf("audit: record read in %s: %w", stream, err)
			}
			if exp, err = r.head(ctx, stream, exp); err != nil {
				delete(r.heads, stream)
				return err
			}
		default:
			delete(r.heads, stream)
			return fmt.Errorf("audit: record read in %s: %w", stream, err)
		}
	}
}

// head finds the stream's last revision, reading only past known.
func (r *Recorder) head(ctx context.Context, stream string, known eventstore.ExpectedRevision) (eventstore.ExpectedRevision, error) {
	evs, err := r.store.ReadStream(ctx, stream, known.Next(), 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return eventstore.NoStream(), nil
	}
	if err != nil {
		return known, fmt.Errorf("audit: read head of %s: %w", stream, err)
	}
	if len(evs) == 0 {
		return known, nil
	}
	return eventstore.Exact(evs[len(evs)-1].Revision), nil
}

// RecordedRead is an AuditRead as stored.
type RecordedRead struct {
	AuditRead
	Stream   string `json:"stream"`
	Revision uint64 `json:"revision"`
	EventID  string `json:"eventId"`
	Hash     string `json:"hash"`
}

// MaxDays bounds how many day streams one listing reads.
const MaxDays = 400

// Reads returns the reads recorded in [from, to), oldest first, reading
// the day streams the period touches.
func Reads(ctx context.Context, r Reader, from, to time.Time) ([]RecordedRead, error) {
	out := []RecordedRead{}
	if !from.Before(to) {
		return out, nil
	}
	day := from.In(helpdesk.Oslo)
	day = time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, helpdesk.Oslo)
	last := LogStream(to.Add(-time.Nanosecond))
	for n := 0; n < MaxDays; n, day = n+1, day.AddDate(0, 0, 1) {
		stream := LogStream(day)
		evs, err := r.ReadStream(ctx, stream, 0, 0)
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil, fmt.Errorf("audit: read %s: %w", stream, err)
		}
		for _, e := range evs {
			var rd AuditRead
			if e.Type != (AuditRead{}).EventType() || json.Unmarshal(e.Data, &rd) != nil {
				continue
			}
			if rd.At.Before(from) || !rd.At.Before(to) {
				continue
			}
			out = append(out, RecordedRead{AuditRead: rd, Stream: e.Stream, Revision: e.Revision, EventID: e.ID.String(), Hash: e.Hash})
		}
		if strings.Compare(stream, last) >= 0 {
			break
		}
	}
	return out, nil
}
