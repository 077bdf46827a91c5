package desk

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TestTimelineShowsEachWhatTheyMaySee: the reporter reads the case's
// story without the caseworkers' internal notes; a caseworker reads all
// of it; someone else finds no case at all.
func TestTimelineShowsEachWhatTheyMaySee(t *testing.T) {
	dir := directory.Demo()
	today := time.Now().In(helpdesk.Oslo).Format(time.DateOnly)
	actor := func(name string) helpdesk.Actor { u, _ := dir.User(name); return dir.ActorOn(u, today) }
	td := newTestDesk(t)
	seedWorld(t, td)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, helpdesk.Oslo)
	td.seed(t, helpdesk.Stream(olasCase), "per", at, helpdesk.CaseClaimed{Assignee: "per"},
		helpdesk.CommentAdded{CommentID: "c1", Body: "Brukeren har gammel driver", Internal: true},
		helpdesk.InfoRequested{Question: "Hvilken skriver?"})
	td.seed(t, helpdesk.Stream(olasCase), "ola", at.Add(time.Hour), helpdesk.UserReplied{Body: "Den i 3. etasje"})
	ctx := context.Background()

	types := func(tl CaseTimeline) []string {
		var out []string
		for _, e := range tl.Entries {
			out = append(out, e.Event.EventType())
		}
		return out
	}
	ola, err := td.Timeline(ctx, actor("ola"), olasRef)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := types(ola), []string{"CaseOpened", "CaseClaimed", "InfoRequested", "UserReplied"}; !slices.Equal(got, want) {
		t.Errorf("ola reads %v, want %v", got, want)
	}
	if len(ola.Case.Comments) != 1 || ola.Case.Comments[0].Body != "Den i 3. etasje" {
		t.Errorf("ola's case holds the comments %+v, want only her reply", ola.Case.Comments)
	}
	if ola.Case.Status != helpdesk.StatusInProgress || ola.Case.Revision != 4 {
		t.Errorf("the case is %s at revision %d, want in-progress at 4", ola.Case.Status, ola.Case.Revision)
	}
	if e := ola.Entries[1]; e.Actor != "per" || !e.At.Equal(at) || e.Revision != 1 {
		t.Errorf("the claim is %+v, want per's at %v, revision 1", e, at)
	}

	per, err := td.Timeline(ctx, actor("per"), olasCase)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := types(per), []string{"CaseOpened", "CaseClaimed", "CommentAdded", "InfoRequested", "UserReplied"}; !slices.Equal(got, want) {
		t.Errorf("per reads %v, want %v", got, want)
	}
	// What happened since per's page was at revision 1, by others: ola's reply.
	since := per.Since(1, "per")
	if len(since) != 1 || since[0].Actor != "ola" {
		t.Errorf("since revision 1, not by per: %+v, want ola's reply", since)
	}

	if _, err := td.Timeline(ctx, actor("eva"), olasRef); !IsKind(err, NotFound) {
		t.Errorf("eva reads ola's case: %v, want NotFound", err)
	}
	if _, err := td.Timeline(ctx, actor("ola"), "BH-2026-999999"); !IsKind(err, NotFound) {
		t.Errorf("an unknown reference: %v, want NotFound", err)
	}
}
