package workflows_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/projection"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/worker"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// retentionWorld is a record with encrypted personal data, its key store
// and a read model, and real activities on them.
type retentionWorld struct {
	t     *testing.T
	store *privacy.Store
	rm    *readmodel.DB
	acts  *activities.Activities
	refs  uint64
}

func newRetentionWorld(t *testing.T) *retentionWorld {
	t.Helper()
	dir := t.TempDir()
	inner, err := sqlitestore.Open(filepath.Join(dir, "events.db"), sqlitestore.WithSynchronous(sqlitestore.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() })
	ring, _ := privacy.ParseKeyring(privacy.GenerateMasterKey())
	keys, err := privacy.OpenKeys(t.Context(), filepath.Join(dir, "keys.db"), ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	store, _ := privacy.New(inner, keys)
	rm, err := readmodel.Open(t.Context(), filepath.Join(dir, "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Close() })
	acts, err := activities.New(store, activities.WithPrivacy(activities.PrivacyOptions{Record: store, Keys: keys, Candidates: rm}))
	if err != nil {
		t.Fatal(err)
	}
	return &retentionWorld{t: t, store: store, rm: rm, acts: acts}
}

// closedCase records a case of kind by ola, opened and closed (or, with
// zero closed, still open), and returns its ID.
func (w *retentionWorld) closedCase(kind helpdesk.Kind, title string, opened, closed time.Time) string {
	w.t.Helper()
	id := uuid.NewString()
	w.refs++
	ref := helpdesk.FormatReference(2024, w.refs)
	exp := eventstore.NoStream()
	if w.refs > 1 {
		exp = eventstore.Exact(w.refs - 2)
	}
	w.put(helpdesk.ReferenceStream(2024), exp, opened, helpdesk.ReferenceAllocated{CaseID: id, Reference: ref})
	w.put(helpdesk.Stream(id), eventstore.NoStream(), opened, helpdesk.CaseOpened{CaseID: id, Reference: ref, Kind: kind, Title: title,
		Description: "Beskrivelse av " + title, Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"})
	if !closed.IsZero() {
		w.put(helpdesk.Stream(id), eventstore.Exact(0), closed, helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed})
	}
	return id
}

func (w *retentionWorld) put(stream string, exp eventstore.ExpectedRevision, at time.Time, e helpdesk.Event) {
	w.t.Helper()
	data, _ := json.Marshal(e)
	meta, _ := json.Marshal(helpdesk.Metadata{Actor: "ola", OccurredAt: at})
	if _, err := w.store.Append(context.Background(), stream, exp, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: data, Metadata: meta}); err != nil {
		w.t.Fatal(err)
	}
}

// project brings the read model up to the record, as the projector does.
func (w *retentionWorld) project() {
	w.t.Helper()
	p, err := projection.New(w.store, w.rm, projection.Options{Logger: slog.New(slog.DiscardHandler), Groups: directory.Demo()})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := p.CatchUp(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

func (w *retentionWorld) fold(id string) helpdesk.Case {
	w.t.Helper()
	c, _, err := audit.CaseAsOf(context.Background(), w.store, id, time.Now().Add(100*365*24*time.Hour))
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// run runs a retention run at now in the time-skipping test suite.
func (w *retentionWorld) run(now time.Time, hold func(env *testsuite.TestWorkflowEnvironment)) workflows.RetentionResult {
	w.t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(now)
	// Runs of a schedule have IDs of their own; the suite's default would
	// be the same for every run.
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "retention-" + uuid.NewString()})
	worker.Register(env, w.acts)
	if hold != nil {
		hold(env)
	}
	env.ExecuteWorkflow(workflows.RetentionWorkflowName, workflows.RetentionInput{Policy: helpdesk.DefaultRetention(), Page: 2})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		w.t.Fatalf("retention run: completed %v, %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	var res workflows.RetentionResult
	if err := env.GetWorkflowResult(&res); err != nil {
		w.t.Fatal(err)
	}
	return res
}

// TestRetentionErasesWhatHasLivedLongEnough: incidents two years after
// they closed go, with the erasure on their record; younger incidents,
// open cases, orders (five years) and a case under legal hold stay, and
// the next year's run erases what has then come due.
func TestRetentionErasesWhatHasLivedLongEnough(t *testing.T) {
	w := newRetentionWorld(t)
	day := 24 * time.Hour
	jan2024 := time.Date(2024, 1, 10, 10, 0, 0, 0, helpdesk.Oslo)
	old1 := w.closedCase(helpdesk.KindIncident, "Gammel skriverfeil", jan2024, jan2024.Add(day))
	old2 := w.closedCase(helpdesk.KindGuidance, "Gammel veiledning", jan2024, jan2024.Add(2*day))
	old3 := w.closedCase(helpdesk.KindIncident, "Gammel nettverksfeil", jan2024, jan2024.Add(3*day))
	held := w.closedCase(helpdesk.KindIncident, "Sak i klagesak", jan2024, jan2024.Add(day))
	young := w.closedCase(helpdesk.KindIncident, "Fersk feil", jan2024.AddDate(1, 0, 0), jan2024.AddDate(1, 0, 1))
	open := w.closedCase(helpdesk.KindIncident, "Åpen sak", jan2024, time.Time{})
	order := w.closedCase(helpdesk.KindOrder, "Gammel bestilling", jan2024, jan2024.Add(day))
	w.put(helpdesk.LegalHoldStream(held), eventstore.NoStream(), jan2024.AddDate(1, 0, 0),
		helpdesk.LegalHoldSet{CaseID: held, Reason: "Klage til Sivilombudet"})
	w.project()

	// Two years and a week after the old cases closed.
	res := w.run(jan2024.AddDate(2, 0, 7), nil)
	if res.Erased != 3 || res.Held != 1 {
		t.Errorf("the run: %+v; want 3 erased, 1 held", res)
	}
	for _, id := range []string{old1, old2, old3} {
		c := w.fold(id)
		if c.Title != helpdesk.Erased || c.Description != helpdesk.Erased || c.Erasure == nil || c.Erasure.Rule != "incident-guidance-2y" ||
			c.Erasure.By != "brukerhjelp" || c.Status != helpdesk.StatusClosed {
			t.Errorf("an old case after retention: %q %q %+v", c.Title, c.Description, c.Erasure)
		}
		evs, _ := w.store.ReadStream(context.Background(), helpdesk.Stream(id), 0, 0)
		last := evs[len(evs)-1]
		var e helpdesk.PersonalDataErased
		json.Unmarshal(last.Data, &e)
		if last.Type != "PersonalDataErased" || e.Events != 1 || len(e.Fields) == 0 || e.Basis == "" {
			t.Errorf("the record of the erasure: %s %s", last.Type, last.Data)
		}
		if v, err := w.store.Verify(context.Background(), helpdesk.Stream(id)); err != nil || !v.OK {
			t.Errorf("the erased case's chain: %+v, %v", v, err)
		}
	}
	for id, title := range map[string]string{held: "Sak i klagesak", young: "Fersk feil", open: "Åpen sak", order: "Gammel bestilling"} {
		if c := w.fold(id); c.Title != title || c.Erasure != nil {
			t.Errorf("%q after retention reads %q (%+v)", title, c.Title, c.Erasure)
		}
	}

	// A year on (the read model has seen the erasures): the young case
	// is due, the erased ones are not erased twice, the hold still holds.
	w.project()
	res = w.run(jan2024.AddDate(3, 0, 7), nil)
	if res.Erased != 1 || res.Held != 1 {
		t.Errorf("the next year's run: %+v; want 1 erased, 1 held", res)
	}
	if c := w.fold(young); c.Title != helpdesk.Erased {
		t.Errorf("the young case a year later reads %q", c.Title)
	}
	evs, _ := w.store.ReadStream(context.Background(), helpdesk.Stream(old1), 0, 0)
	if n := len(evs); n != 3 {
		t.Errorf("an erased case has %d events after the second run, want 3", n)
	}
}

// TestAHoldSetDuringTheRunWins: a case the run found due, but whose hold
// was set before its turn came, is kept.
func TestAHoldSetDuringTheRunWins(t *testing.T) {
	w := newRetentionWorld(t)
	jan2024 := time.Date(2024, 1, 10, 10, 0, 0, 0, helpdesk.Oslo)
	id := w.closedCase(helpdesk.KindIncident, "Omstridt sak", jan2024, jan2024.Add(time.Hour))
	w.project()
	res := w.run(jan2024.AddDate(2, 1, 0), func(env *testsuite.TestWorkflowEnvironment) {
		env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
			if info.ActivityType.Name == "ErasePersonalData" {
				w.put(helpdesk.LegalHoldStream(id), eventstore.NoStream(), jan2024.AddDate(2, 0, 0),
					helpdesk.LegalHoldSet{CaseID: id, Reason: "Tvist"})
			}
		})
	})
	if res.Erased != 0 || res.Kept != 1 {
		t.Errorf("the run: %+v; want the case kept", res)
	}
	if c := w.fold(id); c.Title != "Omstridt sak" {
		t.Errorf("the held case reads %q", c.Title)
	}
}
