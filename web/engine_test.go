package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/projection"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// engine is a case engine for the pages' tests: it decides each step
// with the domain's own rules (the workflow's deciders, without timers or
// activities), appends the events to a real event store and projects
// them into a real read model before it answers, so lists and
// notifications show what a page just did. The workflows have tests of
// their own; the browser tests run the real ones.
type engine struct {
	t     testing.TB
	mu    sync.Mutex
	store *sqlitestore.Store
	rm    *readmodel.DB
	proj  *projection.Projector
	cal   *calendar.Calendar
	now   func() time.Time
	refs  uint64
}

func newEngine(t testing.TB, now func() time.Time) *engine {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlitestore.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rm, err := readmodel.Open(context.Background(), "sqlite:"+filepath.Join(dir, "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Close() })
	proj, err := projection.New(store, rm, projection.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return &engine{t: t, store: store, rm: rm, proj: proj, cal: calendar.Default(), now: now}
}

// desk is the application layer on this engine.
func (e *engine) desk(t testing.TB, dir *directory.Directory) *desk.Desk {
	t.Helper()
	d, err := desk.New(desk.Config{Workflows: e, Record: e.store, Directory: dir, Lists: e.rm, Notifications: e.rm,
		Reports: e.rm, Announcements: e.rm, Attachments: &attachments.Store{Dir: t.TempDir()}, Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// append writes events to stream as actor, and projects them.
func (e *engine) append(stream, actor string, events ...helpdesk.Event) error {
	ctx := context.Background()
	var data []eventstore.EventData
	for _, ev := range events {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		m, _ := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: e.now()})
		data = append(data, eventstore.EventData{ID: uuid.New(), Type: ev.EventType(), Data: b, Metadata: m})
	}
	exp := eventstore.NoStream()
	if evs, err := e.store.ReadStream(ctx, stream, 0, 0); err == nil {
		exp = eventstore.Exact(uint64(len(evs) - 1))
	} else if !errors.Is(err, eventstore.ErrStreamNotFound) {
		return err
	}
	if _, err := e.store.Append(ctx, stream, exp, data...); err != nil {
		return err
	}
	_, err := e.proj.CatchUp(ctx)
	return err
}

func (e *engine) load(id string) (helpdesk.Case, error) {
	evs, err := e.store.ReadStream(context.Background(), helpdesk.Stream(id), 0, 0)
	if err != nil {
		return helpdesk.Case{}, err
	}
	c := helpdesk.NewCase()
	for _, ev := range evs {
		d, err := helpdesk.DecodeEvent(ev.Type, ev.Data)
		if err != nil {
			return c, err
		}
		var m helpdesk.Metadata
		if err := json.Unmarshal(ev.Metadata, &m); err != nil {
			return c, err
		}
		c.Apply(d, m, int64(ev.Revision))
	}
	return c, nil
}

func (e *engine) StartCase(_ context.Context, in workflows.CaseInput) (workflows.CaseView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, err := e.load(in.CaseID); err == nil && c.ID != "" {
		return workflows.CaseView{Case: c, RequestHash: in.RequestHash}, nil
	}
	e.refs++
	ref := helpdesk.FormatReference(e.now().Year(), e.refs)
	if err := e.append(helpdesk.ReferenceStream(e.now().Year()), "brukerhjelp", helpdesk.ReferenceAllocated{CaseID: in.CaseID, Reference: ref}); err != nil {
		return workflows.CaseView{}, err
	}
	var events []helpdesk.Event
	switch {
	case in.Order != nil:
		r := in.Order.Request
		opened := helpdesk.CaseOpened{CaseID: in.CaseID, Reference: ref, Kind: helpdesk.KindOrder, Title: r.Title, Description: r.Description,
			Reporter: in.Actor.Username, CreatedBy: in.Actor.Username, Group: helpdesk.FirstLineGroup, Channel: helpdesk.ChannelPortal}
		events = append(events, opened, helpdesk.OrderPlaced{Order: in.Order.Order})
		if in.Order.Order.NeedsApproval() {
			events = append(events, helpdesk.TaskOpened{TaskID: helpdesk.TaskID(in.CaseID, 1), Kind: helpdesk.TaskApproval, Type: "cost-approval",
				Title: "Godkjenn kostnaden", Approver: in.Order.BudgetHolder, Fallback: in.Order.Fallback, CostNOK: in.Order.Order.NonStandardNOK})
		} else {
			events = append(events, helpdesk.TaskOpened{TaskID: helpdesk.TaskID(in.CaseID, 1), Kind: helpdesk.TaskFulfilment, Type: "deliver",
				Title: "Lever utstyret", Group: helpdesk.FirstLineGroup})
		}
	case in.Request.Kind == helpdesk.KindIncident || in.Request.Kind == helpdesk.KindGuidance:
		opened := helpdesk.Open(in.CaseID, ref, in.Request, in.Actor, in.Policy.Routes)
		opened.Attachments = in.Attachments
		events = append(events, opened)
		if sla, ok := helpdesk.StartSLA(in.Policy.SLA, opened.Priority, e.now(), e.cal); ok {
			events = append(events, sla)
		}
	default:
		return workflows.CaseView{}, fmt.Errorf("the test engine does not open %s cases", in.Request.Kind)
	}
	if err := e.append(helpdesk.Stream(in.CaseID), in.Actor.Username, events...); err != nil {
		return workflows.CaseView{}, err
	}
	c, err := e.load(in.CaseID)
	return workflows.CaseView{Case: c, RequestHash: in.RequestHash}, err
}

func (e *engine) UpdateCase(_ context.Context, caseID, update, _ string, s workflows.StepInput) (workflows.CaseView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.load(caseID)
	if err != nil {
		return workflows.CaseView{}, err
	}
	if c.Final() {
		return workflows.CaseView{}, desk.ErrNotRunning
	}
	var ev helpdesk.Event
	switch update {
	case workflows.UpdateClaim:
		ev, err = c.Claim(s.Actor)
	case workflows.UpdateAssign:
		ev, err = c.Assign(s.Actor, s.Assignee, s.Group)
	case workflows.UpdateComment:
		var cm helpdesk.CommentAdded
		cm, err = c.Comment(s.Actor, fmt.Sprintf("c%d", c.Revision+1), s.Body, s.Internal)
		cm.Attachments = s.Attachments
		ev = cm
	case workflows.UpdateRequestInfo:
		ev, err = c.RequestInfo(s.Actor, s.Question)
	case workflows.UpdateReply:
		var r helpdesk.UserReplied
		r, err = c.Reply(s.Actor, s.Body)
		r.Attachments = s.Attachments
		ev = r
	case workflows.UpdateResolve:
		ev, err = c.Resolve(s.Actor, s.Resolution)
	case workflows.UpdateConfirm:
		ev, err = c.Confirm(s.Actor)
	case workflows.UpdateReopen:
		ev, err = c.Reopen(s.Actor, s.Reason)
	case workflows.UpdateCancel:
		ev, err = c.Cancel(s.Actor, s.Reason)
	case workflows.UpdateCompleteTask:
		ev, err = c.CompleteTask(s.Actor, s.TaskID, s.Completion)
	case workflows.UpdateLink:
		ev, err = c.Link(s.Actor, *s.Announcement)
	default:
		return workflows.CaseView{}, fmt.Errorf("the test engine does not know %s", update)
	}
	if err != nil {
		return workflows.CaseView{}, err
	}
	events := append([]helpdesk.Event{ev}, c.SLAReactions(ev, s.Actor, e.now(), e.cal)...)
	if err := e.append(helpdesk.Stream(caseID), s.Actor.Username, events...); err != nil {
		return workflows.CaseView{}, err
	}
	c, err = e.load(caseID)
	return workflows.CaseView{Case: c}, err
}

func (e *engine) StartAnnouncement(_ context.Context, in workflows.AnnouncementInput) (workflows.AnnouncementView, error) {
	return workflows.AnnouncementView{}, errors.New("the test engine publishes announcements with publish")
}

func (e *engine) UpdateAnnouncement(context.Context, string, string, workflows.AnnouncementStepInput) (workflows.AnnouncementView, error) {
	return workflows.AnnouncementView{}, errors.New("the test engine does not steer announcements")
}

// publish puts an announcement in effect now, as operations would.
func (e *engine) publish(t testing.TB, kind helpdesk.AnnouncementKind, title string) string {
	t.Helper()
	id := uuid.NewString()
	var ends *time.Time
	if kind == helpdesk.AnnouncementMaintenance {
		end := e.now().Add(2 * time.Hour)
		ends = &end
	}
	ev := helpdesk.Publish(id, helpdesk.AnnouncementRequest{Kind: kind, Title: title, Body: "Vi jobber med saken."}, e.now().Add(-time.Minute), ends)
	if err := e.append(helpdesk.AnnouncementStream(id), "tor", ev); err != nil {
		t.Fatal(err)
	}
	return id
}
