package seed_test

import (
	"context"
	"strings"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/people"
	"github.com/brukerhjelp/brukerhjelp/internal/seed"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// New employees and departures are in the record as their workflows run
// them: the unit's manager asks; a new employee's account, mailbox,
// equipment and software are tasks due a service day before the start,
// the account's username is reserved and then created in the person's
// stream, work still open three service days before is escalated, and
// the case is resolved once all is done; a departure takes effect at
// 16:00 on the last working day, its tasks follow one another, and the
// account's disabling lands in the person's stream, also when the first
// try failed. The people are nobody the directory knows, each of their
// own.
func TestSeededPeopleComeAndGo(t *testing.T) {
	dir := directory.Demo()
	store := open(t, t.TempDir())
	tot := write(t, store, seed.Options{Cases: 6000, Seed: 5, Years: 3, Until: until})
	cal := calendar.Default()
	cases := map[string]helpdesk.Case{}
	var order []string
	for _, e := range all(t, store) {
		if !strings.HasPrefix(e.Stream, "case-") {
			continue
		}
		d := decode(t, e)
		c, ok := cases[e.Stream]
		if !ok {
			c = helpdesk.NewCase()
			order = append(order, e.Stream)
		}
		c.Apply(d.ev, d.meta, int64(e.Revision))
		cases[e.Stream] = c
	}
	usernames := map[string]string{} // a username → the case it is of
	var hired, left, escalated, notReady, retried, withdrawn, disabledAfterRetry int
	byKind := map[helpdesk.Kind]int{}
	for _, name := range order {
		c := cases[name]
		byKind[c.Kind]++
		switch c.Kind {
		case helpdesk.KindNewUser:
			n := c.NewUser
			if n == nil {
				t.Fatalf("%s: a new-user case without its request", c.Reference)
			}
			if !dir.Manages(c.Reporter, n.Request.Unit) {
				t.Errorf("%s: %s asked for a new employee of %s", c.Reference, c.Reporter, n.Request.Unit)
			}
			_, due, _ := workflows.NewUserSchedule(cal, n.Request.StartDate)
			if len(c.Tasks) < 2 || c.Tasks[0].Type != helpdesk.TaskTypeCreateAccount || !c.Tasks[0].DueAt.Equal(due) {
				t.Fatalf("%s: tasks %+v, want the account's first, due %v", c.Reference, c.Tasks, due)
			}
			for _, tk := range c.Tasks {
				if strings.HasSuffix(tk.Type, "-again") {
					retried++
				}
			}
			if n.Escalated {
				escalated++
			}
			if n.Reported && !n.Ready {
				notReady++
			}
			if c.Status == helpdesk.StatusResolved || c.Status == helpdesk.StatusClosed {
				if hasOpenTask(c) || n.Username == "" {
					t.Errorf("%s: %s with open tasks or without an account (%q)", c.Reference, c.Status, n.Username)
				}
			}
			if n.Username == "" {
				continue
			}
			hired++
			if other, dup := usernames[n.Username]; dup {
				t.Errorf("%s and %s both created %s", other, c.Reference, n.Username)
			}
			usernames[n.Username] = c.Reference
			if _, known := dir.User(n.Username); known {
				t.Errorf("%s: created %s, whom the directory knows", c.Reference, n.Username)
			}
			p, err := people.Read(context.Background(), store, n.Username)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Created || p.CreatedBy != c.ID || p.ReservedBy != c.ID || p.Unit != n.Request.Unit || p.From != n.Request.StartDate ||
				p.DisplayName != n.Request.DisplayName() {
				t.Errorf("%s: %s's stream says %+v", c.Reference, n.Username, p)
			}
		case helpdesk.KindDeparture:
			d := c.Departure
			if d == nil {
				t.Fatalf("%s: a departure without its request", c.Reference)
			}
			if other, dup := usernames[d.Employee]; dup {
				t.Errorf("%s and %s both name %s", other, c.Reference, d.Employee)
			}
			usernames[d.Employee] = c.Reference
			if c.Status == helpdesk.StatusCancelled {
				withdrawn++
				if c.DepartureEffective || len(c.Tasks) > 0 {
					t.Errorf("%s: withdrawn, yet effective %v with %d tasks", c.Reference, c.DepartureEffective, len(c.Tasks))
				}
				continue
			}
			p, err := people.Read(context.Background(), store, d.Employee)
			if err != nil {
				t.Fatal(err)
			}
			done := false
			for i, tk := range c.Tasks {
				if i > 0 && tk.CreatedAt.Before(c.Tasks[i-1].CompletedAt) {
					t.Errorf("%s: task %s opened before the one before it was done", c.Reference, tk.Type)
				}
				if strings.HasPrefix(tk.Type, "disable-account") && tk.Outcome == helpdesk.OutcomeDone {
					done = true
					if tk.Type != "disable-account" {
						disabledAfterRetry++
					}
				}
			}
			if p.Disabled != done {
				t.Errorf("%s: the account's task done %v, %s's stream says disabled %v", c.Reference, done, d.Employee, p.Disabled)
			}
			if c.Status == helpdesk.StatusResolved || c.Status == helpdesk.StatusClosed {
				left++
				if !done || !c.DepartureEffective {
					t.Errorf("%s: %s without the account disabled", c.Reference, c.Status)
				}
			}
			if len(c.Tasks) > 0 && c.Tasks[0].CreatedAt.Before(workflows.DepartureTime(d.LastWorkingDay)) {
				t.Errorf("%s: tasks before the last working day %s ended", c.Reference, d.LastWorkingDay)
			}
		}
	}
	t.Logf("%d new-user cases (%d accounts, %d escalated, %d not ready at the start, %d tasks handed out again); %d departures (%d done, %d withdrawn, %d disabled on a second try)",
		byKind[helpdesk.KindNewUser], hired, escalated, notReady, retried, byKind[helpdesk.KindDeparture], left, withdrawn, disabledAfterRetry)
	if n := byKind[helpdesk.KindNewUser]; n < 80 || n > 160 {
		t.Errorf("%d new-user cases of 6000, want about 120", n)
	}
	if n := byKind[helpdesk.KindDeparture]; n < 60 || n > 120 {
		t.Errorf("%d departures of 6000, want about 90", n)
	}
	if hired == 0 || escalated == 0 || notReady == 0 || retried == 0 || left == 0 || withdrawn == 0 {
		t.Error("not the life of three years' hires and departures")
	}
	for _, k := range []helpdesk.Kind{helpdesk.KindNewUser, helpdesk.KindDeparture} {
		if tot.ByKind[k] != byKind[k] {
			t.Errorf("seed counted %d %s cases, the record holds %d", tot.ByKind[k], k, byKind[k])
		}
	}
}
