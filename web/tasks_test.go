package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// A first-line caseworker of a county's million cases has over a
// thousand open tasks: the inbox shows them fifty to a page, oldest
// first, says how many wait and which page this is, and links the pages
// beside it; a page past the last is the last; a page that is no number
// is refused with a way back, in either language.
func TestTheInboxComesInPages(t *testing.T) {
	w := newRolesWorld(t)
	const n = 2*desk.InboxPageSize + 7
	opened := oslo(2026, 11, 2, 9, 0)
	for i := range n {
		id := fmt.Sprintf("5c5c5c5c-0000-4000-8000-%012d", i+1)
		w.openCase(id, helpdesk.FormatReference(2026, uint64(i+1)), opened, helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Hodesett",
			Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"},
			helpdesk.TaskOpened{TaskID: id + ".t1", Kind: helpdesk.TaskFulfilment, Type: "deliver", Title: fmt.Sprintf("Lever hodesett nr. %d", i+1),
				Group: "brukerhjelp"})
		w.rm.tasks = append(w.rm.tasks, readmodel.TaskItem{ID: id + ".t1", CaseID: id, Kind: helpdesk.TaskFulfilment, Group: "brukerhjelp"})
	}
	per := w.browser()
	per.signIn("per")
	rows := func(p answer) int { return strings.Count(p.body, `<tr data-task=`) }

	first := per.get("/tasks")
	expect(t, first, http.StatusOK, "Dette venter på deg nå (107).", "Side 1 av 3, de eldste først.", "Lever hodesett nr. 1<",
		"Lever hodesett nr. 50<", `href="/tasks?page=2" rel="next">Neste side</a>`, `hx-get="/tasks"`)
	if got := rows(first); got != desk.InboxPageSize {
		t.Errorf("the first page holds %d tasks, want %d", got, desk.InboxPageSize)
	}
	if strings.Contains(first.body, "Lever hodesett nr. 51<") || strings.Contains(first.body, `rel="prev"`) {
		t.Error("the first page holds the second's tasks or a link back")
	}
	last := per.get("/tasks?page=3")
	expect(t, last, http.StatusOK, "Side 3 av 3", "Lever hodesett nr. 101<", "Lever hodesett nr. 107<",
		`href="/tasks?page=2" rel="prev">Forrige side</a>`, `hx-get="/tasks?page=3"`)
	if got := rows(last); got != 7 || strings.Contains(last.body, `rel="next"`) {
		t.Errorf("the last page holds %d tasks (want 7) or a link on", got)
	}
	expect(t, per.get("/tasks?page=9"), http.StatusOK, "Side 3 av 3", "Lever hodesett nr. 107<")
	for _, bad := range []string{"0", "to", "-1"} {
		p := per.get("/tasks?page=" + bad)
		expect(t, p, http.StatusBadRequest, `role="alert"`, "Den siden finnes ikke", `href="/tasks">Gå til første side</a>`)
		if rows(p) != 0 {
			t.Errorf("page=%s: a refused page lists tasks", bad)
		}
	}
	expect(t, per.get("/tasks?page=2&lang=en"), http.StatusOK, "Page 2 of 3, oldest first.", `rel="prev">Previous page</a>`,
		`rel="next">Next page</a>`, `aria-label="Pages of tasks"`)
	expect(t, per.get("/tasks?page=x&lang=en"), http.StatusBadRequest, "There is no such page")

	// The read model may still list tasks done a moment ago: a page of
	// only those says nothing waits there, and still leads back.
	w.rm.tasks = w.rm.tasks[:desk.InboxPageSize]
	for i := range 3 {
		gone := fmt.Sprintf("5d5d5d5d-0000-4000-8000-%012d", i+1)
		w.rm.tasks = append(w.rm.tasks, readmodel.TaskItem{ID: gone + ".t1", CaseID: gone, Kind: helpdesk.TaskFulfilment, Group: "brukerhjelp"})
	}
	stale := per.get("/tasks?page=2&lang=nb")
	expect(t, stale, http.StatusOK, `data-field="empty"`, `href="/tasks" rel="prev">Forrige side</a>`)
	if rows(stale) != 0 {
		t.Errorf("a page of tasks no longer open lists %d", rows(stale))
	}
}
