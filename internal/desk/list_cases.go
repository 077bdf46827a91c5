package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// CaseFilter narrows a list of cases; the zero value lists every case the
// actor may see, most recently updated first (API.md: GET /cases lists
// the cases the caller may see; Status "open" makes it a work queue).
type CaseFilter struct {
	Kind helpdesk.Kind
	// Status is one status, StatusOpen (every status someone still works
	// on: OpenStatuses) or StatusAll (the same as none).
	Status helpdesk.Status
	// Assignee is a caseworker's username, or AssigneeNone for the cases
	// nobody holds.
	Assignee string
	Group    string
	Reporter string
	// Q is free text, matched against reference, title and description.
	Q string
	// Sort is "" (most recently updated first) or SortDue (soonest
	// resolution deadline first).
	Sort string
	// Limit is the page size (1..readmodel.MaxLimit); 0 is the default.
	Limit  int
	Cursor string
}

// AssigneeNone and SortDue are the queues' words: the cases nobody holds,
// and the soonest deadline first.
const (
	AssigneeNone = "none"
	SortDue      = "due"
)

// ListKinds and ListStatuses are the values the kind and status filters
// accept. active, expired and revoked are the statuses of access cases.
var (
	ListKinds = []helpdesk.Kind{helpdesk.KindIncident, helpdesk.KindGuidance, helpdesk.KindOrder,
		helpdesk.KindNewUser, helpdesk.KindESAAccess, helpdesk.KindDeparture}
	ListStatuses = []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser,
		helpdesk.StatusAwaitingApproval, helpdesk.StatusResolved, helpdesk.StatusClosed, helpdesk.StatusRejected,
		helpdesk.StatusCancelled, "active", "expired", "revoked"}
)

// The status filter's two words for many statuses.
const (
	// StatusOpen lists the work queue: cases someone still has to work
	// on (OpenStatuses), not those resolved, ended or in effect.
	StatusOpen helpdesk.Status = "open"
	// StatusAll lists every status, as no status filter does.
	StatusAll helpdesk.Status = "all"
)

// OpenStatuses are the statuses of a work queue.
var OpenStatuses = []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser,
	helpdesk.StatusAwaitingApproval}

// Longest accepted filter values, in characters.
const (
	maxNameFilter = 100
	maxQ          = 200
)

// ListCases is a page of the cases the actor may see, from the read model
// (a moment behind the record).
func (d *Desk) ListCases(ctx context.Context, actor helpdesk.Actor, f CaseFilter) (readmodel.Page, error) {
	if err := Authorize(actor, ActionListCases); err != nil {
		return readmodel.Page{}, err
	}
	if d.lists == nil {
		return readmodel.Page{}, errNoLists
	}
	rf := readmodel.Filter{Kind: f.Kind, Status: f.Status, Assignee: f.Assignee, Group: f.Group, Reporter: f.Reporter,
		Q: strings.TrimSpace(f.Q), Cursor: f.Cursor, Visibility: readmodel.VisibleTo(actor)}
	if rf.Kind != "" && !slices.Contains(ListKinds, rf.Kind) {
		return readmodel.Page{}, invalid("kind", "ukjent sakstype", "unknown kind of case")
	}
	switch rf.Status {
	case StatusAll:
		rf.Status = ""
	case StatusOpen:
		rf.Status, rf.Statuses = "", OpenStatuses
	case "":
	default:
		if !slices.Contains(ListStatuses, rf.Status) {
			return readmodel.Page{}, invalid("status", "ukjent status", "unknown status")
		}
	}
	if rf.Assignee == AssigneeNone {
		rf.Assignee, rf.Unassigned = "", true
	}
	switch f.Sort {
	case "":
	case SortDue:
		rf.SortDue = true
	default:
		return readmodel.Page{}, invalid("sort", "sort må være due eller tom", "sort must be due or empty")
	}
	for _, nv := range [][2]string{{"assignee", f.Assignee}, {"group", f.Group}, {"reporter", f.Reporter}} {
		if utf8.RuneCountInString(nv[1]) > maxNameFilter || !utf8.ValidString(nv[1]) {
			return readmodel.Page{}, invalid(nv[0], fmt.Sprintf("%s er for lang (maks %d tegn)", nv[0], maxNameFilter),
				fmt.Sprintf("%s is too long (max %d characters)", nv[0], maxNameFilter))
		}
	}
	if utf8.RuneCountInString(rf.Q) > maxQ {
		return readmodel.Page{}, invalid("q", fmt.Sprintf("søketeksten er for lang (maks %d tegn)", maxQ),
			fmt.Sprintf("the search text is too long (max %d characters)", maxQ))
	}
	n, err := pageSize(f.Limit)
	if err != nil {
		return readmodel.Page{}, err
	}
	rf.Limit = n
	page, err := d.lists.ListCases(ctx, rf)
	return page, cursorError(err)
}

// pageSize checks a page size: 1..readmodel.MaxLimit, or 0 for the
// default.
func pageSize(n int) (int, error) {
	if n < 0 || n > readmodel.MaxLimit {
		return 0, invalid("limit", fmt.Sprintf("limit må være et heltall fra 1 til %d", readmodel.MaxLimit),
			fmt.Sprintf("limit must be a whole number from 1 to %d", readmodel.MaxLimit))
	}
	return n, nil
}

// cursorError names a cursor the read model did not hand out.
func cursorError(err error) error {
	if errors.Is(err, readmodel.ErrBadCursor) {
		return invalid("cursor", "ugyldig cursor; bruk nextCursor fra forrige side", "invalid cursor; use nextCursor from the previous page")
	}
	return err
}

var errNoLists = refuse(Unavailable, "", "lister er ikke tilgjengelige: lesemodellen er ikke koblet til",
	"lists are unavailable: no read model is configured")

// ParseLimit reads a page size as a door receives it ("" is the default).
func ParseLimit(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		n = -1
	}
	return pageSize(n)
}
