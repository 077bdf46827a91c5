package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Lister is what the list endpoints read: the read model, which the
// projector keeps a moment behind the record. *readmodel.DB implements it.
type Lister interface {
	ListCases(ctx context.Context, f readmodel.Filter) (readmodel.Page, error)
	ListTasks(ctx context.Context, f readmodel.TaskFilter) ([]readmodel.TaskItem, error)
}

// listKinds and listStatuses are the values the kind and status filters
// accept. active, expired and revoked are API.md's statuses of access
// cases.
var (
	listKinds = []helpdesk.Kind{helpdesk.KindIncident, helpdesk.KindGuidance, helpdesk.KindOrder,
		helpdesk.KindNewUser, helpdesk.KindESAAccess, helpdesk.KindDeparture}
	listStatuses = []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser,
		helpdesk.StatusAwaitingApproval, helpdesk.StatusResolved, helpdesk.StatusClosed, helpdesk.StatusRejected,
		helpdesk.StatusCancelled, "active", "expired", "revoked"}
)

// Longest accepted filter values, in characters.
const (
	maxNameFilter = 100
	maxQ          = 200
)

// handleListCases answers GET /api/v1/cases: a page of the cases the
// caller may see, most recently updated first.
func (s *Server) handleListCases(w http.ResponseWriter, r *http.Request) {
	if s.lists == nil {
		writeProblem(w, listsUnavailable(r))
		return
	}
	q, p := strictQuery(r, "kind", "status", "assignee", "group", "reporter", "q", "limit", "cursor")
	if p != nil {
		writeProblem(w, p)
		return
	}
	f := readmodel.Filter{
		Kind:       helpdesk.Kind(q.Get("kind")),
		Status:     helpdesk.Status(q.Get("status")),
		Assignee:   q.Get("assignee"),
		Group:      q.Get("group"),
		Reporter:   q.Get("reporter"),
		Q:          strings.TrimSpace(q.Get("q")),
		Cursor:     q.Get("cursor"),
		Visibility: readmodel.VisibleTo(s.actor(r)),
	}
	if f.Kind != "" && !slices.Contains(listKinds, f.Kind) {
		writeProblem(w, badParam(r, "kind", "ukjent sakstype", "unknown kind of case"))
		return
	}
	if f.Status != "" && !slices.Contains(listStatuses, f.Status) {
		writeProblem(w, badParam(r, "status", "ukjent status", "unknown status"))
		return
	}
	for _, name := range []string{"assignee", "group", "reporter"} {
		if v := q.Get(name); utf8.RuneCountInString(v) > maxNameFilter || !utf8.ValidString(v) {
			writeProblem(w, badParam(r, name, fmt.Sprintf("%s er for lang (maks %d tegn)", name, maxNameFilter),
				fmt.Sprintf("%s is too long (max %d characters)", name, maxNameFilter)))
			return
		}
	}
	if utf8.RuneCountInString(f.Q) > maxQ {
		writeProblem(w, badParam(r, "q", fmt.Sprintf("søketeksten er for lang (maks %d tegn)", maxQ),
			fmt.Sprintf("the search text is too long (max %d characters)", maxQ)))
		return
	}
	n, p := queryLimit(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	f.Limit = n
	page, err := s.lists.ListCases(r.Context(), f)
	s.writePage(w, r, "list cases", page, err)
}

// queryLimit reads ?limit= (1..readmodel.MaxLimit); 0 means the default.
func queryLimit(r *http.Request) (int, *Problem) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > readmodel.MaxLimit {
		return 0, badParam(r, "limit", fmt.Sprintf("limit må være et heltall fra 1 til %d", readmodel.MaxLimit),
			fmt.Sprintf("limit must be a whole number from 1 to %d", readmodel.MaxLimit))
	}
	return n, nil
}

// writePage answers with one page of a read-model list.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, what string, page any, err error) {
	if errors.Is(err, readmodel.ErrBadCursor) {
		writeProblem(w, badParam(r, "cursor", "ugyldig cursor; bruk nextCursor fra forrige side", "invalid cursor; use nextCursor from the previous page"))
		return
	}
	if err != nil {
		s.internalError(w, r, what, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// taskList is the answer of GET /api/v1/tasks.
type taskList struct {
	Items []readmodel.TaskItem `json:"items"`
}

// handleListTasks answers GET /api/v1/tasks: the open tasks the caller
// may act on, oldest first.
func (s *Server) handleListTasks(w http.ResponseWriter, r *http.Request) {
	if s.lists == nil {
		writeProblem(w, listsUnavailable(r))
		return
	}
	q, p := strictQuery(r, "case")
	if p != nil {
		writeProblem(w, p)
		return
	}
	ref := q.Get("case")
	if ref != "" {
		if id, err := uuid.Parse(ref); err == nil {
			ref = id.String()
		} else if _, _, ok := helpdesk.ParseReference(ref); !ok {
			writeProblem(w, badParam(r, "case", "case må være en saks-ID eller et saksnummer som BH-2026-000042",
				"case must be a case id or a reference such as BH-2026-000042"))
			return
		}
	}
	actor := s.actor(r)
	items, err := s.lists.ListTasks(r.Context(), readmodel.TaskFilter{Case: ref, OpenOnly: true, For: &actor})
	if err != nil {
		s.log.ErrorContext(r.Context(), "list tasks", "error", err)
		writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
		return
	}
	writeJSON(w, http.StatusOK, taskList{Items: items})
}

// strictQuery reads the query string, refusing parameters the endpoint
// does not know (a typo would otherwise quietly list everything) and
// parameters given twice.
func strictQuery(r *http.Request, known ...string) (url.Values, *Problem) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, problem(r, http.StatusBadRequest, "", "spørrestrengen kan ikke leses", "the query string cannot be read")
	}
	for name, vs := range q {
		if !slices.Contains(known, name) {
			return nil, badParam(r, name, fmt.Sprintf("ukjent parameter %q", name), fmt.Sprintf("unknown parameter %q", name))
		}
		if len(vs) > 1 {
			return nil, badParam(r, name, fmt.Sprintf("parameteren %q er gitt flere ganger", name), fmt.Sprintf("parameter %q is given more than once", name))
		}
	}
	return q, nil
}

func badParam(r *http.Request, name, no, en string) *Problem {
	return problem(r, http.StatusBadRequest, name, no, en)
}

func listsUnavailable(r *http.Request) *Problem {
	return problem(r, http.StatusServiceUnavailable, "", "lister er ikke tilgjengelige: lesemodellen er ikke koblet til", "lists are unavailable: no read model is configured")
}
