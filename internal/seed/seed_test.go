package seed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/people"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/seed"
)

var until = time.Date(2026, 11, 27, 0, 0, 0, 0, helpdesk.Oslo) // a Friday

// open is a data dir's record as dev opens it: events.db behind the
// privacy decorator.
// record is a seeded record and how its keys are made in bulk.
type record struct {
	*privacy.Store
	prepare func(context.Context, []string) error
}

func open(t testing.TB, dir string) record {
	t.Helper()
	ctx := context.Background()
	inner, err := sqlitestore.Open(filepath.Join(dir, "events.db"), sqlitestore.WithSynchronous(sqlitestore.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	ring, _ := privacy.ParseKeyring(privacy.GenerateMasterKey())
	keys, err := privacy.OpenKeys(ctx, filepath.Join(dir, "keys.db"), ring)
	if err != nil {
		t.Fatal(err)
	}
	bulk := seed.NewKeys(keys)
	store, _ := privacy.New(inner, bulk)
	t.Cleanup(func() { store.Close(); keys.Close() })
	return record{store, bulk.Prepare}
}

func write(t testing.TB, store record, opt seed.Options) seed.Totals {
	t.Helper()
	opt.BeforeChunk = store.prepare
	tot, err := seed.Write(context.Background(), store, opt)
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

func all(t *testing.T, store eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := store.ReadAll(context.Background(), 0, 0, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

type stored struct {
	ev   helpdesk.Event
	meta helpdesk.Metadata
	rec  eventstore.RecordedEvent
}

// decode is a case's recorded event as the domain reads it.
func decode(t *testing.T, e eventstore.RecordedEvent) stored {
	t.Helper()
	ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
	if err != nil {
		t.Fatalf("%s@%d: %v", e.Stream, e.Revision, err)
	}
	var m helpdesk.Metadata
	if err := json.Unmarshal(e.Metadata, &m); err != nil {
		t.Fatal(err)
	}
	return stored{ev, m, e}
}

// The record seed writes is what the product would hold: every case
// stream folds, by the domain, to the kind and status the seed counted;
// its history reads like a real case's; references number each year's
// cases in order; the hash chains verify; caseworkers work in service
// hours and nothing happens after the record's last day.
func TestSeededRecordReadsLikeTheProduct(t *testing.T) {
	store := open(t, t.TempDir())
	tot := write(t, store, seed.Options{Cases: 400, Seed: 7, Years: 2, Until: until})
	if tot.Cases != 400 {
		t.Fatalf("cases = %d", tot.Cases)
	}
	evs := all(t, store)
	if len(evs) != tot.Events {
		t.Fatalf("the record holds %d events, the seed counted %d", len(evs), tot.Events)
	}
	streams := map[string][]stored{}
	var order []string
	for _, e := range evs {
		if _, ok := streams[e.Stream]; !ok {
			order = append(order, e.Stream)
		}
		streams[e.Stream] = append(streams[e.Stream], decode(t, e))
	}
	cal := calendar.Default()
	dir := directory.Demo()
	isCaseworker := func(u string) bool {
		usr, ok := dir.User(u)
		return ok && slices.Contains(usr.Roles, helpdesk.RoleCaseworker)
	}
	byKind, byStatus := map[helpdesk.Kind]int{}, map[helpdesk.Status]int{}
	cases := map[string]helpdesk.Case{}
	var sawHistory, sawOrder bool
	for _, name := range order {
		if !strings.HasPrefix(name, "case-") {
			continue
		}
		c := helpdesk.NewCase()
		var prev time.Time
		var types []string
		for i, s := range streams[name] {
			if s.rec.Revision != uint64(i) {
				t.Fatalf("%s: event %d has revision %d", name, i, s.rec.Revision)
			}
			if s.meta.OccurredAt.Before(prev) {
				t.Fatalf("%s@%d: %s happened before the event before it", name, i, s.rec.Type)
			}
			prev = s.meta.OccurredAt
			if s.meta.OccurredAt.After(time.Date(2026, 11, 27, 16, 0, 0, 0, helpdesk.Oslo)) {
				t.Fatalf("%s@%d: %s at %v, after the record's last day", name, i, s.rec.Type, s.meta.OccurredAt)
			}
			// A caseworker's own steps happen at work.
			switch s.ev.(type) {
			case helpdesk.CaseClaimed, helpdesk.CaseResolved, helpdesk.InfoRequested:
				if isCaseworker(s.meta.Actor) && !cal.IsOpen(s.meta.OccurredAt) && !cal.IsOpen(s.meta.OccurredAt.Add(-time.Minute)) {
					t.Errorf("%s@%d: %s by %s at %v, outside service hours", name, i, s.rec.Type, s.meta.Actor, s.meta.OccurredAt.In(helpdesk.Oslo))
				}
			}
			c.Apply(s.ev, s.meta, int64(s.rec.Revision))
			types = append(types, s.rec.Type)
		}
		if o, ok := streams[name][0].ev.(helpdesk.CaseOpened); !ok || helpdesk.Stream(o.CaseID) != name {
			t.Fatalf("%s does not begin with its CaseOpened: %v", name, types)
		}
		byKind[c.Kind]++
		byStatus[c.Status]++
		cases[c.ID] = c
		line := strings.Join(types, " ")
		if c.Kind == helpdesk.KindIncident && c.Status == helpdesk.StatusClosed && len(c.Comments) > 0 && c.Assignee != "" {
			sawHistory = true
			for _, want := range []string{"CaseOpened SLAStarted", "CaseClaimed SLAResponded", "CaseResolved SLAStopped"} {
				if !strings.Contains(line, want) {
					t.Errorf("%s %s: history %q lacks %q", c.Reference, c.Status, line, want)
				}
			}
			if !strings.HasSuffix(line, "CaseClosed") {
				t.Errorf("%s: a closed case's history ends with %q", c.Reference, line)
			}
		}
		if c.Kind == helpdesk.KindOrder && c.Status == helpdesk.StatusClosed && len(c.Tasks) >= 4 {
			sawOrder = true
			var kinds []string
			for _, tk := range c.Tasks {
				kinds = append(kinds, tk.Type+":"+tk.Outcome)
			}
			if !strings.HasPrefix(strings.Join(kinds, " "), "it-review:approved cost-approval:approved order:") || c.Resolution != "Varene er levert." {
				t.Errorf("%s: an order with approvals went %v, resolution %q", c.Reference, kinds, c.Resolution)
			}
			if c.Tasks[1].Approver == c.Reporter || c.Tasks[1].DecidedBy == c.Reporter {
				t.Errorf("%s: %s approved their own order", c.Reference, c.Reporter)
			}
		}
	}
	if !sawHistory || !sawOrder {
		t.Errorf("no closed incident with comments (%v) or closed order with approvals (%v) among 400 cases", sawHistory, sawOrder)
	}
	if !mapsEqual(byKind, tot.ByKind) || !mapsEqual(byStatus, tot.ByStatus) {
		t.Errorf("the record folds to %v / %v, the seed reported %v / %v", byKind, byStatus, tot.ByKind, tot.ByStatus)
	}
	if byKind[helpdesk.KindIncident] < byKind[helpdesk.KindGuidance] || byKind[helpdesk.KindGuidance] < byKind[helpdesk.KindOrder]/2 || byKind[helpdesk.KindOrder] == 0 {
		t.Errorf("kinds %v: not a help desk's mix", byKind)
	}
	if byStatus[helpdesk.StatusClosed] < tot.Cases*3/4 {
		t.Errorf("statuses %v: most cases of two years should be closed", byStatus)
	}
	// References: the n-th event of reference-YYYY allocates BH-YYYY-n
	// to the case whose CaseOpened carries it, in the order cases opened.
	refs := 0
	for _, name := range order {
		year, ok := strings.CutPrefix(name, "reference-")
		if !ok {
			continue
		}
		var last time.Time
		for i, s := range streams[name] {
			ra := s.ev.(helpdesk.ReferenceAllocated)
			want := "BH-" + year + "-" + padded(i+1)
			c := cases[ra.CaseID]
			if ra.Reference != want || c.Reference != want {
				t.Fatalf("%s@%d allocates %s to a case that reads %s; want %s", name, i, ra.Reference, c.Reference, want)
			}
			if c.CreatedAt.Before(last) {
				t.Fatalf("%s: %s opened before the reference before it", name, want)
			}
			last = c.CreatedAt
			refs++
		}
	}
	if refs != tot.Cases {
		t.Errorf("%d references for %d cases", refs, tot.Cases)
	}
	v, err := store.VerifyAll(context.Background())
	if err != nil || !v.OK || v.Events != tot.Events {
		t.Fatalf("verify: %+v, %v", v, err)
	}
}

func padded(n int) string { return fmt.Sprintf("%06d", n) }

func mapsEqual[K comparable](a, b map[K]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The same options give the same record: the same events (IDs, streams,
// revisions, types, data and metadata as the help desk reads them) at the
// same positions. Another seed gives another record.
func TestSameSeedSameRecord(t *testing.T) {
	opt := seed.Options{Cases: 250, Seed: 42, Years: 1, Until: until}
	a, b, c := open(t, t.TempDir()), open(t, t.TempDir()), open(t, t.TempDir())
	write(t, a, opt)
	write(t, b, opt)
	opt.Seed = 43
	write(t, c, opt)
	ea, eb, ec := all(t, a), all(t, b), all(t, c)
	if len(ea) != len(eb) {
		t.Fatalf("%d events, then %d", len(ea), len(eb))
	}
	for i := range ea {
		x, y := ea[i], eb[i]
		if x.Position != y.Position || x.Stream != y.Stream || x.Revision != y.Revision || x.ID != y.ID || x.Type != y.Type ||
			!bytes.Equal(x.Data, y.Data) || !bytes.Equal(x.Metadata, y.Metadata) {
			t.Fatalf("event %d differs:\n%s %s@%d %s %s\n%s %s@%d %s %s", i, x.ID, x.Stream, x.Revision, x.Data, x.Metadata,
				y.ID, y.Stream, y.Revision, y.Data, y.Metadata)
		}
	}
	same := len(ea) == len(ec)
	for i := 0; same && i < len(ea); i++ {
		same = ea[i].ID == ec[i].ID && bytes.Equal(ea[i].Data, ec[i].Data)
	}
	if same {
		t.Error("seed 43 wrote the record of seed 42")
	}
}

// Options out of range are refused before anything is written.
func TestBadOptionsWriteNothing(t *testing.T) {
	store := open(t, t.TempDir())
	for _, opt := range []seed.Options{
		{Cases: 0, Years: 2, Until: until},
		{Cases: -5, Years: 2, Until: until},
		{Cases: seed.MaxCases + 1, Years: 2, Until: until},
		{Cases: 10, Years: 0, Until: until},
		{Cases: 10, Years: 2},
	} {
		if _, err := seed.Write(context.Background(), store, opt); err == nil || !strings.Contains(err.Error(), "--") {
			t.Errorf("%+v: error %v, want one naming the flag", opt, err)
		}
	}
	if evs := all(t, store); len(evs) != 0 {
		t.Errorf("refused options wrote %d events", len(evs))
	}
}

// ESA accesses are played as their workflow runs them: a manager asks for
// an employee of a unit they lead, the system owner (not the manager)
// approves, arkiv grants it; it is recertified yearly by the manager, in a
// new run each year, until it expires, is not confirmed or the record
// ends. The employee's stream says which accesses are active, as the desk
// reads it (people.Read), and agrees with the cases.
func TestSeededAccessesLiveAsTheirWorkflow(t *testing.T) {
	// The demo organisation and eight more employees.
	demo := directory.Demo()
	f := directory.File{Units: demo.Units(), Users: demo.Users()}
	var employees []string
	for i := range 8 {
		u := directory.User{Username: fmt.Sprintf("ansatt%d", i), DisplayName: fmt.Sprintf("Ansatt %d", i),
			Roles: []helpdesk.Role{helpdesk.RoleEmployee}, Unit: []string{"opplaering", "samferdsel"}[i%2]}
		f.Users = append(f.Users, u)
		employees = append(employees, u.Username)
	}
	dir, err := directory.New(f)
	if err != nil {
		t.Fatal(err)
	}
	store := open(t, t.TempDir())
	tot := write(t, store, seed.Options{Cases: 4000, Seed: 3, Years: 10, Until: until, Directory: dir})
	evs := all(t, store)
	if len(evs) != tot.Events {
		t.Fatalf("the record holds %d events, the seed counted %d", len(evs), tot.Events)
	}
	ids := map[string]string{} // every event's ID is its own, across runs and streams
	cases := map[string]helpdesk.Case{}
	caseEvents := map[string][]stored{}
	var streams []string
	for _, e := range evs {
		if other, dup := ids[e.ID.String()]; dup {
			t.Fatalf("event ID %s in %s and %s", e.ID, other, e.Stream)
		}
		ids[e.ID.String()] = e.Stream
		if !strings.HasPrefix(e.Stream, "case-") {
			continue
		}
		if _, ok := caseEvents[e.Stream]; !ok {
			streams = append(streams, e.Stream)
		}
		caseEvents[e.Stream] = append(caseEvents[e.Stream], decode(t, e))
	}
	active := map[string][]string{} // employee → active access cases, in order granted
	var granted []string
	byStatus := map[helpdesk.Status]int{}
	recertified := 0
	for _, name := range streams {
		c := helpdesk.NewCase()
		for _, s := range caseEvents[name] {
			c.Apply(s.ev, s.meta, int64(s.rec.Revision))
		}
		if c.Kind != helpdesk.KindESAAccess {
			continue
		}
		cases[c.ID] = c
		byStatus[c.Status]++
		a := c.Access
		if a == nil {
			t.Fatalf("%s: an access case without AccessRequested", c.Reference)
		}
		emp, _ := dir.User(a.Employee)
		if c.Reporter != a.Manager || !dir.Manages(c.Reporter, emp.Unit) || a.Employee == c.Reporter {
			t.Errorf("%s: %s asked for %s of unit %s", c.Reference, c.Reporter, a.Employee, emp.Unit)
		}
		if len(c.Tasks) == 0 || c.Tasks[0].Type != "esa-owner-approval" || c.Tasks[0].Approver == c.Reporter {
			t.Errorf("%s: first task %+v", c.Reference, c.Tasks[0])
		}
		if !a.GrantedAt.IsZero() {
			granted = append(granted, c.ID)
		}
		if c.Status == helpdesk.StatusActive {
			active[a.Employee] = append(active[a.Employee], c.ID)
			if due := a.GrantedAt.AddDate(a.Recertified+1, 0, 0); !due.After(time.Date(2026, 11, 27, 16, 0, 0, 0, helpdesk.Oslo)) && !hasOpenTask(c) {
				t.Errorf("%s: active, recertification due %v, and nothing open", c.Reference, due)
			}
		}
		recertified += a.Recertified
	}
	if byStatus[helpdesk.StatusActive] == 0 || byStatus[helpdesk.StatusExpired] == 0 || byStatus[helpdesk.StatusRevoked] == 0 ||
		byStatus[helpdesk.StatusRejected] == 0 || recertified == 0 {
		t.Errorf("accesses %v, %d recertifications: not the life of ten years' accesses", byStatus, recertified)
	}
	t.Logf("%d access cases: %v, %d recertifications", len(cases), byStatus, recertified)
	if n := len(cases); n < 50 || n > 115 {
		t.Errorf("%d access requests for 10 employees in 10 years, want about 80", n)
	}
	for _, u := range append([]string{"ola", "kari", "eva", "jon"}, employees...) {
		p, err := people.Read(context.Background(), store, u)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Accesses, active[u]) {
			t.Errorf("%s's stream says active %v, the cases %v", u, p.Accesses, active[u])
		}
	}
	if tot.ByKind[helpdesk.KindESAAccess] != len(cases) {
		t.Errorf("seed counted %d access cases, the record holds %d", tot.ByKind[helpdesk.KindESAAccess], len(cases))
	}
}

func hasOpenTask(c helpdesk.Case) bool {
	for _, t := range c.Tasks {
		if t.Status == helpdesk.TaskStatusOpen {
			return true
		}
	}
	return false
}

// Operations' announcements are in the record as their workflow records
// them: maintenance told ahead, reminded, started and ended; outages
// published as they happen and resolved by operations. An incident
// linked to an outage opened while it was going on, the outage's stream
// names exactly the cases that link to it, and those still open when it
// was resolved were resolved with it.
func TestSeededOutagesResolveTheirCases(t *testing.T) {
	store := open(t, t.TempDir())
	tot := write(t, store, seed.Options{Cases: 10000, Seed: 5, Years: 1, Until: until})
	evs := all(t, store)
	if len(evs) != tot.Events {
		t.Fatalf("the record holds %d events, the seed counted %d", len(evs), tot.Events)
	}
	anns := map[string]helpdesk.Announcement{}
	cases := map[string]helpdesk.Case{}
	resolvedAt := map[string]time.Time{} // case → when it was resolved first
	for _, e := range evs {
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			t.Fatal(err)
		}
		if id, ok := strings.CutPrefix(e.Stream, helpdesk.AnnouncementStreamPrefix); ok {
			ev, err := helpdesk.DecodeAnnouncementEvent(e.Type, e.Data)
			if err != nil {
				t.Fatalf("%s@%d: %v", e.Stream, e.Revision, err)
			}
			a, seen := anns[id]
			if !seen {
				a = helpdesk.NewAnnouncement()
			}
			if int64(e.Revision) != a.Revision+1 {
				t.Fatalf("%s: revision %d after %d", e.Stream, e.Revision, a.Revision)
			}
			a.Apply(ev, m, int64(e.Revision))
			if a.ID != id {
				t.Fatalf("%s does not begin with its own AnnouncementPublished", e.Stream)
			}
			anns[id] = a
			continue
		}
		if !strings.HasPrefix(e.Stream, "case-") {
			continue
		}
		ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimPrefix(e.Stream, "case-")
		c, seen := cases[id]
		if !seen {
			c = helpdesk.NewCase()
		}
		c.Apply(ev, m, int64(e.Revision))
		cases[id] = c
		if _, ok := ev.(helpdesk.CaseResolved); ok && resolvedAt[id].IsZero() {
			resolvedAt[id] = m.OccurredAt
		}
	}
	end := time.Date(2026, 11, 27, 16, 0, 0, 0, helpdesk.Oslo)
	byKind := map[string]int{}
	linked := 0
	for _, a := range anns {
		byKind[string(a.Kind)]++
		switch {
		case a.Kind == helpdesk.AnnouncementMaintenance && a.EndsAt.Before(end):
			if a.Status != helpdesk.AnnouncementDone || !a.Reminded {
				t.Errorf("%s (maintenance, ended %v): status %s, reminded %v", a.Reference, a.EndsAt, a.Status, a.Reminded)
			}
		case a.Kind == helpdesk.AnnouncementOutage && a.Status != helpdesk.AnnouncementResolved:
			if !a.ResolvedAt.IsZero() || a.CreatedAt.Add(3*24*time.Hour).Before(end) {
				t.Errorf("%s: an outage published %v is still going on at the end", a.Reference, a.CreatedAt)
			}
		}
		if a.CreatedBy != "tor" {
			t.Errorf("%s published by %s", a.Reference, a.CreatedBy)
		}
		for _, l := range a.LinkedCases {
			linked++
			c, ok := cases[l.ID]
			if !ok || c.Announcement == nil || c.Announcement.ID != a.ID || c.Reference != l.Reference || c.Reporter != l.Reporter {
				t.Fatalf("%s names %+v, whose case reads %s linked to %+v", a.Reference, l, c.Reference, c.Announcement)
			}
			if c.CreatedAt.Before(a.CreatedAt) || (!a.ResolvedAt.IsZero() && !c.CreatedAt.Before(a.ResolvedAt)) {
				t.Errorf("%s opened %v, outside %s (%v – %v)", c.Reference, c.CreatedAt, a.Reference, a.CreatedAt, a.ResolvedAt)
			}
			if !a.ResolvedAt.IsZero() {
				if r := resolvedAt[l.ID]; r.IsZero() || r.After(a.ResolvedAt.Add(time.Second)) {
					if c.Status != helpdesk.StatusCancelled {
						t.Errorf("%s (%s): resolved %v, its outage %v", c.Reference, c.Status, r, a.ResolvedAt)
					}
				} else if r.Before(a.ResolvedAt) {
					t.Errorf("%s resolved %v, before its outage %v", c.Reference, r, a.ResolvedAt)
				}
			}
		}
	}
	for _, c := range cases {
		if c.Announcement != nil && !anns[c.Announcement.ID].Linked(c.ID) {
			t.Errorf("%s is linked to %s, which does not name it", c.Reference, c.Announcement.Reference)
		}
	}
	t.Logf("%v announcements, %d linked cases", byKind, linked)
	if byKind["maintenance"] < 10 || byKind["outage"] < 5 || linked < 20 {
		t.Errorf("%v announcements with %d linked cases in a year of 10,000 cases", byKind, linked)
	}
	if !mapsEqual(byKind, tot.Announcements) || linked != tot.Linked {
		t.Errorf("seed counted %v and %d linked, the record holds %v and %d", tot.Announcements, tot.Linked, byKind, linked)
	}
}
