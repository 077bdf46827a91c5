package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Recording with local activities ("local-record", docs/PERFORMANCE.md).
//
// An activity is a round trip through the Temporal server: the workflow
// task that schedules it completes, the activity task goes to the worker,
// its result comes back as a new workflow task. A local activity runs in
// the worker inside the workflow task that decides it, and its result is
// recorded (a marker) when that task completes. So a case opens in one
// workflow task (reference and opening events) and a step is one workflow
// task (the update's), instead of three and two.
//
// What changes for the guarantees: the append happens before anything of
// it is durable in Temporal. If the process dies after the append and
// before the workflow task completes, the history does not know it; the
// task is retried (a normal task) or gone (an update's speculative task,
// whose update the client sees fail). Every append still passes the
// revision the workflow knows and IDs derived from the run and the local
// activity's number, so what it wrote cannot be written twice: the retry
// (same number, a new time in the metadata) or the next append (another
// step) is refused by the store, with ErrIDConflict or
// ErrWrongExpectedRevision. The workflow, the stream's only writer, then
// knows the record is ahead of it by what the lost task wrote: it reads
// those events, folds them into its state (the record is the truth) and
// decides again (errAdopted): the opening is done, a step may be refused
// now, a timer looks again. Nothing is lost, nothing is written twice.

// localRecordOptions are appendOptions for local activities. A local
// activity always has a ScheduleToCloseTimeout (the SDK takes
// StartToCloseTimeout if none is given), which bounds all its retries;
// an activity's retries are unbounded. A year stands for that: a store
// away for 30 s must not fail the case.
var localRecordOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 365 * 24 * time.Hour,
	StartToCloseTimeout:    appendOptions.StartToCloseTimeout,
	RetryPolicy:            appendOptions.RetryPolicy,
}

// errAdopted says the store refused an append because the stream had
// events this run's history does not know (of a lost workflow task), and
// that the state now has them: decide again.
var errAdopted = errors.New("the record was ahead of the workflow; its events are adopted")

// maxAdoptions bounds how often one decision is made again after
// errAdopted; each adoption needs another lost workflow task.
const maxAdoptions = 4

// recordOwn records a step's or a timer's event with what the SLA makes
// of it, by write.
func (w *caseRun) recordOwn(ctx workflow.Context, actor helpdesk.Actor, correlationID string, ev helpdesk.Event) error {
	events := append([]helpdesk.Event{ev}, w.state.SLAReactions(ev, actor, workflow.Now(ctx), w.cal)...)
	return w.write(ctx, actor.Username, correlationID, events)
}

// write appends events as append does, with a local activity in a run
// that records locally. It returns errAdopted (and appends nothing) when
// the stream was ahead of the workflow.
func (w *caseRun) write(ctx workflow.Context, actor, correlationID string, events []helpdesk.Event) error {
	if !w.local {
		return w.append(ctx, actor, correlationID, events)
	}
	in, meta, err := w.appendInput(ctx, actor, correlationID, events)
	if err != nil {
		return err
	}
	var out activities.AppendOutput
	if err := w.runLocal(ctx, a.AppendEvents, in, &out); err != nil {
		if errors.Is(err, errAdopted) {
			return err
		}
		return fmt.Errorf("record %s: %w", events[0].EventType(), err)
	}
	w.appended(ctx, events, meta, out)
	return nil
}

// runLocal runs activity, a local activity that appends to the case's
// stream, with in, into out. When the store refused the append because
// the stream was ahead of the workflow, it adopts what the stream has
// and returns errAdopted.
func (w *caseRun) runLocal(ctx workflow.Context, activity, in, out any) error {
	lctx := workflow.WithLocalActivityOptions(ctx, localRecordOptions)
	err := workflow.ExecuteLocalActivity(lctx, activity, in).Get(ctx, out)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && (appErr.Type() == activities.ErrTypeWrongExpectedRevision || appErr.Type() == activities.ErrTypeIDConflict) {
		if err := w.adopt(ctx, appErr); err != nil {
			return err
		}
		return errAdopted
	}
	return err
}

// adopt folds the events of the case's stream after the revision the
// workflow knows into its state. refused is the store's refusal that
// made it look; if the stream has nothing new, the refusal stands.
func (w *caseRun) adopt(ctx workflow.Context, refused error) error {
	lctx := workflow.WithLocalActivityOptions(ctx, localRecordOptions)
	before := w.state.Revision
	w.adopted = w.adopted[:0]
	for {
		var evs []activities.StoredEvent
		in := activities.LoadPageInput{Stream: helpdesk.Stream(w.in.CaseID), From: uint64(w.state.Revision + 1), Limit: loadPage}
		if err := workflow.ExecuteLocalActivity(lctx, a.LoadStreamPage, in).Get(ctx, &evs); err != nil {
			return fmt.Errorf("read what the record has beyond revision %d: %w", w.state.Revision, err)
		}
		for _, e := range evs {
			ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
			if err != nil {
				return temporal.NewNonRetryableApplicationError("adopt: "+err.Error(), "CorruptStream", err)
			}
			w.state.Apply(ev, e.Metadata, e.Revision)
			w.adopted = append(w.adopted, e)
		}
		if len(evs) < loadPage {
			break
		}
	}
	if w.state.Revision == before {
		return fmt.Errorf("record: %w", refused)
	}
	workflow.GetLogger(ctx).Warn("the record had events of a lost workflow task; adopted them",
		"stream", helpdesk.Stream(w.in.CaseID), "from", before+1, "to", w.state.Revision)
	w.upsertSearch(ctx)
	return nil
}

// wasAdopted says whether the last adoption brought ev (the same type
// and content, whenever and by whichever request): a step whose lost
// workflow task recorded it is done, not refused because it is done.
func (w *caseRun) wasAdopted(ev helpdesk.Event) bool {
	want, err := json.Marshal(ev)
	if err != nil {
		return false
	}
	for _, e := range w.adopted {
		got, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil || e.Type != ev.EventType() {
			continue
		}
		if raw, err := json.Marshal(got); err == nil && bytes.Equal(raw, want) {
			return true
		}
	}
	return false
}
