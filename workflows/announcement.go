package workflows

import (
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// AnnouncementWorkflowName is the registered name of AnnouncementWorkflow.
const AnnouncementWorkflowName = "AnnouncementWorkflow"

// Names of the announcement workflow's updates, queries and signals, and
// of the signal it sends to linked cases.
const (
	// UpdatePublished waits until the announcement is recorded and
	// returns it.
	UpdatePublished = "published"
	// UpdateResolveOutage ends an outage (operations).
	UpdateResolveOutage = "resolve-outage"
	QueryAnnouncement   = "announcement"
	// SignalLinkCase tells the announcement a case was linked to it; the
	// case workflow sends it once the link is on the case's record.
	SignalLinkCase = "link-case"
	// SignalOutageResolved tells a linked case its outage was resolved;
	// the case resolves itself if it is still open.
	SignalOutageResolved = "outage-resolved"
)

// DefaultAnnouncementHistoryLimit is the history length past which an
// announcement continues as new (every linked case adds a handful of
// events); far below Temporal's 10,240-event warning.
const DefaultAnnouncementHistoryLimit = 2000

// DefaultAnnouncementLinksPerRun is how many links one run records before
// it continues as new.
const DefaultAnnouncementLinksPerRun = 150

// AnnouncementWorkflowID is the Temporal workflow ID of an announcement.
func AnnouncementWorkflowID(id string) string { return "announcement-" + id }

// AnnouncementInput starts an announcement workflow.
type AnnouncementInput struct {
	AnnouncementID string                       `json:"announcementId"`
	Request        helpdesk.AnnouncementRequest `json:"request"`
	StartsAt       time.Time                    `json:"startsAt"`
	EndsAt         *time.Time                   `json:"endsAt,omitempty"`
	Actor          helpdesk.Actor               `json:"actor"`
	RequestHash    string                       `json:"requestHash,omitempty"`
	CorrelationID  string                       `json:"correlationId,omitempty"`
	// Calendar is the service calendar the reminder is placed on,
	// captured at publishing so a replay never depends on today's
	// settings.
	Calendar calendar.Config `json:"calendar"`
	// HistoryLimit: continue as new past this many history events; 0
	// means DefaultAnnouncementHistoryLimit.
	HistoryLimit int `json:"historyLimit,omitempty"`
	// LinksPerRun: continue as new after recording this many linked
	// cases in one run (each adds about ten history events); 0 means
	// DefaultAnnouncementLinksPerRun. It bounds the history also where
	// its length is not known (the test environment).
	LinksPerRun int `json:"linksPerRun,omitempty"`
	// Continued marks a run that continues an earlier one: the
	// announcement is rebuilt from its stream instead of published.
	Continued bool `json:"continued,omitempty"`
}

// AnnouncementView is what the announcement workflow answers.
type AnnouncementView struct {
	Announcement helpdesk.Announcement `json:"announcement"`
	RequestHash  string                `json:"requestHash,omitempty"`
}

// AnnouncementStepInput is the body of the resolve update.
type AnnouncementStepInput struct {
	Actor         helpdesk.Actor `json:"actor"`
	Comment       string         `json:"comment,omitempty"`
	CorrelationID string         `json:"correlationId,omitempty"`
}

// Normalize cleans the comment by the domain's rules and limits
// (helpdesk.StepText, step resolve-outage); a door calls it before the
// update travels, the validator checks it again.
func (s *AnnouncementStepInput) Normalize() error {
	t := helpdesk.StepText{Comment: s.Comment}
	if err := t.Normalize(helpdesk.StepResolveOutage); err != nil {
		return err
	}
	s.Comment = t.Comment
	return nil
}

// LinkCaseSignal names a case linked to an outage.
type LinkCaseSignal struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference"`
	Reporter  string `json:"reporter"`
}

// OutageResolvedSignal tells a linked case its outage is over.
type OutageResolvedSignal struct {
	Announcement  helpdesk.AnnouncementLink `json:"announcement"`
	Comment       string                    `json:"comment,omitempty"`
	CorrelationID string                    `json:"correlationId,omitempty"`
}

type announcementRun struct {
	in      AnnouncementInput
	cal     *calendar.Calendar
	state   helpdesk.Announcement
	mu      workflow.Mutex
	opened  bool
	openErr error
	// linking counts link signals being recorded, so the run does not
	// end or continue as new half-way through one.
	linking int
	// continueAsNew: the history has grown long; start a fresh run.
	continueAsNew bool
	// linked counts the links this run recorded.
	linked int
}

// AnnouncementWorkflow runs one maintenance notice or outage: it records
// the announcement, reminds the affected one service day before a
// maintenance window, marks the window active and done at its edges,
// records the cases linked to an outage, and, when the outage is
// resolved, has every linked case that is still open resolve itself.
func AnnouncementWorkflow(ctx workflow.Context, in AnnouncementInput) (helpdesk.Announcement, error) {
	cal, err := calendar.New(in.Calendar)
	if err != nil {
		return helpdesk.Announcement{}, temporal.NewNonRetryableApplicationError("invalid calendar", "InvalidPolicy", err)
	}
	w := &announcementRun{in: in, cal: cal, state: helpdesk.NewAnnouncement()}
	w.mu = workflow.NewMutex(ctx)
	if err := w.register(ctx); err != nil {
		return w.state, err
	}
	if in.Continued {
		err = w.resume(ctx)
	} else {
		err = w.publish(ctx)
	}
	if err != nil {
		w.openErr = err
		_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
		return w.state, err
	}
	w.listenForLinks(ctx)
	if err := w.runTimers(ctx); err != nil {
		return w.state, err
	}
	if w.continueAsNew {
		if err := w.settle(ctx); err != nil {
			return w.state, err
		}
		next := w.in
		next.Continued = true
		return w.state, workflow.NewContinueAsNewError(ctx, AnnouncementWorkflowName, next)
	}
	if w.state.Status == helpdesk.AnnouncementResolved {
		ids := make([]string, len(w.state.LinkedCases))
		for i, l := range w.state.LinkedCases {
			ids[i] = l.ID
		}
		if err := w.resolveCases(ctx, ids, ""); err != nil {
			return w.state, err
		}
	}
	return w.state, w.settle(ctx)
}

// settle takes the links still in the channel and waits for every handler,
// so a run ends without losing a signal.
func (w *announcementRun) settle(ctx workflow.Context) error {
	ch := workflow.GetSignalChannel(ctx, SignalLinkCase)
	for {
		var l LinkCaseSignal
		if !ch.ReceiveAsync(&l) {
			break
		}
		w.linking++
		err := w.link(ctx, l)
		w.linking--
		if err != nil {
			return err
		}
	}
	return workflow.Await(ctx, func() bool { return w.linking == 0 && workflow.AllHandlersFinished(ctx) })
}

func (w *announcementRun) view() AnnouncementView {
	return AnnouncementView{Announcement: w.state, RequestHash: w.in.RequestHash}
}

func (w *announcementRun) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryAnnouncement, func() (AnnouncementView, error) { return w.view(), nil }); err != nil {
		return err
	}
	err := workflow.SetUpdateHandler(ctx, UpdatePublished, func(ctx workflow.Context) (AnnouncementView, error) {
		if err := workflow.Await(ctx, func() bool { return w.opened || w.openErr != nil }); err != nil {
			return AnnouncementView{}, err
		}
		if w.openErr != nil {
			return AnnouncementView{}, w.openErr
		}
		return w.view(), nil
	})
	if err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateResolveOutage,
		func(ctx workflow.Context, s AnnouncementStepInput) (AnnouncementView, error) {
			if err := w.mu.Lock(ctx); err != nil {
				return AnnouncementView{}, err
			}
			// As cleaned, unless a replayed update's comment breaks the
			// rules that came later (see registerStep).
			if n := s; n.Normalize() == nil {
				s = n
			}
			ev, err := w.state.Resolve(s.Actor, s.Comment)
			if err == nil {
				err = w.append(ctx, s.Actor.Username, s.CorrelationID, ev)
			}
			w.mu.Unlock()
			if err != nil {
				return AnnouncementView{}, refusal(err)
			}
			return w.view(), nil
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, s AnnouncementStepInput) error {
				if !w.opened {
					return refusal(&helpdesk.StepError{Code: helpdesk.CodeConflict,
						Message: "meldingen er ikke registrert ennå", English: "the announcement is not recorded yet"})
				}
				if err := s.Normalize(); err != nil {
					return refusal(err)
				}
				_, err := w.state.Resolve(s.Actor, s.Comment)
				return refusal(err)
			},
		})
}

func (w *announcementRun) publish(ctx workflow.Context) error {
	ev := helpdesk.Publish(w.in.AnnouncementID, w.in.Request, w.in.StartsAt, w.in.EndsAt)
	if err := w.append(ctx, w.in.Actor.Username, w.in.CorrelationID, ev); err != nil {
		return err
	}
	w.opened = true
	return nil
}

// resume rebuilds the announcement from its stream after continue-as-new.
func (w *announcementRun) resume(ctx workflow.Context) error {
	if err := foldStream(ctx, helpdesk.AnnouncementStream(w.in.AnnouncementID), helpdesk.DecodeAnnouncementEvent, w.state.Apply); err != nil {
		return err
	}
	w.opened = true
	return nil
}

// append writes events to the announcement's stream at the revision the
// workflow knows (it is the stream's only writer), then folds them in.
func (w *announcementRun) append(ctx workflow.Context, actor, correlationID string, events ...helpdesk.Event) error {
	meta := helpdesk.Metadata{Actor: actor, OccurredAt: workflow.Now(ctx), CorrelationID: correlationID}
	in := activities.AppendInput{Stream: helpdesk.AnnouncementStream(w.in.AnnouncementID), ExpectedRevision: w.state.Revision}
	for _, ev := range events {
		data, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode %s: %w", ev.EventType(), err)
		}
		in.Events = append(in.Events, activities.NewEvent{Type: ev.EventType(), Data: data, Metadata: meta})
	}
	var out activities.AppendOutput
	actx := workflow.WithActivityOptions(ctx, appendOptions)
	if err := workflow.ExecuteActivity(actx, a.AppendEvents, in).Get(ctx, &out); err != nil {
		return fmt.Errorf("record %s: %w", events[0].EventType(), err)
	}
	first := out.LastRevision - int64(len(events)) + 1
	for i, ev := range events {
		w.state.Apply(ev, meta, first+int64(i))
	}
	return nil
}

// listenForLinks records every case linked to the announcement.
func (w *announcementRun) listenForLinks(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalLinkCase)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var l LinkCaseSignal
			if !ch.Receive(ctx, &l) {
				return
			}
			w.linking++
			if err := w.link(ctx, l); err != nil {
				workflow.GetLogger(ctx).Error("recording a linked case failed", "case", l.CaseID, "error", err)
			}
			w.linking--
		}
	})
}

// link records one linked case; a case linked after the outage was
// resolved (the two crossed) is resolved at once.
func (w *announcementRun) link(ctx workflow.Context, l LinkCaseSignal) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	ev, ok := w.state.LinkCase(l.CaseID, l.Reference, l.Reporter)
	if !ok {
		return nil
	}
	if err := w.append(ctx, systemActor.Username, "", ev); err != nil {
		return err
	}
	w.linked++
	if w.state.Status == helpdesk.AnnouncementResolved {
		return w.resolveCases(ctx, []string{l.CaseID}, "")
	}
	return nil
}

// resolveCases tells those of the linked cases ids that are still open
// (the record says) that the outage is resolved; each resolves itself.
func (w *announcementRun) resolveCases(ctx workflow.Context, ids []string, correlationID string) error {
	if len(ids) == 0 {
		return nil
	}
	var open []string
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	})
	if err := workflow.ExecuteActivity(actx, a.OpenCases, ids).Get(ctx, &open); err != nil {
		return fmt.Errorf("find open linked cases: %w", err)
	}
	sig := OutageResolvedSignal{
		Announcement:  helpdesk.AnnouncementLink{ID: w.state.ID, Reference: w.state.Reference, Title: w.state.Title},
		Comment:       w.state.Resolution,
		CorrelationID: correlationID,
	}
	futures := make([]workflow.Future, len(open))
	for i, id := range open {
		futures[i] = workflow.SignalExternalWorkflow(ctx, WorkflowID(id), "", SignalOutageResolved, sig)
	}
	for i, f := range futures {
		if err := f.Get(ctx, nil); err != nil {
			// The case finished in between: nothing left to resolve.
			workflow.GetLogger(ctx).Warn("telling a linked case the outage is resolved failed", "case", open[i], "error", err)
		}
	}
	return nil
}

// tooLong reports whether the run's history has grown past its limit.
func (w *announcementRun) tooLong(ctx workflow.Context) bool {
	limit := w.in.HistoryLimit
	if limit <= 0 {
		limit = DefaultAnnouncementHistoryLimit
	}
	links := w.in.LinksPerRun
	if links <= 0 {
		links = DefaultAnnouncementLinksPerRun
	}
	return w.linked >= links || workflow.GetInfo(ctx).GetCurrentHistoryLength() > limit
}

// runTimers sleeps until the next thing the announcement does by itself
// (remind, start, end), does it, and starts over when operations change
// it. It returns when the announcement is finished or the run should
// continue as new.
func (w *announcementRun) runTimers(ctx workflow.Context) error {
	for !w.state.Finished() {
		if w.tooLong(ctx) {
			w.continueAsNew = true
			return nil
		}
		status, links := w.state.Status, w.state.LinkedCount
		changed := func() bool {
			return w.state.Status != status || (w.state.LinkedCount != links && w.tooLong(ctx))
		}
		at, ev, ok := w.nextTimer()
		due, err := awaitTimer(ctx, at, ok, changed)
		if err != nil {
			return err
		}
		if !due {
			continue
		}
		if err := w.mu.Lock(ctx); err != nil {
			return err
		}
		if !changed() {
			err = w.append(ctx, systemActor.Username, "", ev)
		}
		w.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// nextTimer is the earliest thing the announcement will do by itself.
func (w *announcementRun) nextTimer() (time.Time, helpdesk.Event, bool) {
	s := w.state
	switch {
	case s.Status == helpdesk.AnnouncementScheduled:
		if s.Kind == helpdesk.AnnouncementMaintenance && !s.Reminded {
			// Only a reminder still ahead of publishing: a notice posted
			// less than a service day before needs none.
			if r, ok := ReminderAt(w.cal, s.StartsAt); ok && r.After(s.CreatedAt) && r.Before(s.StartsAt) {
				return r, helpdesk.AnnouncementReminded{}, true
			}
		}
		return s.StartsAt, helpdesk.AnnouncementStarted{}, true
	case s.Status == helpdesk.AnnouncementActive && s.Kind == helpdesk.AnnouncementMaintenance && s.EndsAt != nil:
		return *s.EndsAt, helpdesk.AnnouncementEnded{}, true
	}
	return time.Time{}, nil, false
}

// ReminderAt is when the affected are reminded of maintenance starting at
// start: at the opening of the last service day before the day it starts
// (Friday 07:30 for a Monday; the Wednesday before Easter for the Tuesday
// after). ok is false if no service day lies within a month before.
func ReminderAt(cal *calendar.Calendar, start time.Time) (time.Time, bool) {
	s := start.In(cal.Location())
	for i := 1; i <= 31; i++ {
		day := time.Date(s.Year(), s.Month(), s.Day()-i, 12, 0, 0, 0, cal.Location())
		if open, _, ok := cal.Hours(cal.DateOf(day)); ok {
			return open, true
		}
	}
	return time.Time{}, false
}
