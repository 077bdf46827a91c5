package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Who may do what is decided by the application layer (internal/desk,
// policy.go): one table for every door. This door names the action of each
// route so that it can refuse before it reads a request (an auditor's POST
// is 403 whatever its body); the desk checks again in every command.

// routeActions names the action of every authenticated route ("METHOD
// path" as in server.go's table). A route missing here is refused to
// everyone, so no route is ever served unguarded.
var routeActions = map[string]desk.Action{
	"GET /api/v1/me":                               desk.ActionMe,
	"GET /api/v1/cases":                            desk.ActionListCases,
	"POST /api/v1/cases":                           desk.ActionCreateCase, // refined by the body's kind
	"GET /api/v1/cases/{ref}":                      desk.ActionReadCase,
	"POST /api/v1/cases/{ref}/claim":               desk.ActionClaim,
	"POST /api/v1/cases/{ref}/assign":              desk.ActionAssign,
	"POST /api/v1/cases/{ref}/link":                desk.ActionLink,
	"POST /api/v1/cases/{ref}/comment":             desk.ActionComment,
	"POST /api/v1/cases/{ref}/request-info":        desk.ActionRequest,
	"POST /api/v1/cases/{ref}/reply":               desk.ActionReply,
	"POST /api/v1/cases/{ref}/resolve":             desk.ActionResolve,
	"POST /api/v1/cases/{ref}/confirm":             desk.ActionConfirm,
	"POST /api/v1/cases/{ref}/reopen":              desk.ActionReopen,
	"POST /api/v1/cases/{ref}/cancel":              desk.ActionCancel,
	"GET /api/v1/cases/{ref}/history":              desk.ActionHistory,
	"GET /api/v1/cases/{ref}/attachments/{sha256}": desk.ActionReadCase,
	"POST /api/v1/attachments":                     desk.ActionUploadAttachment,
	"GET /api/v1/cases/{ref}/state":                desk.ActionCaseState,
	"GET /api/v1/cases/{ref}/sla":                  desk.ActionSLA,
	"GET /api/v1/cases/{ref}/verify":               desk.ActionVerifyCase,
	"GET /api/v1/audit/verify":                     desk.ActionVerifyAll,
	"GET /api/v1/audit/export":                     desk.ActionAuditExport,
	"GET /api/v1/audit/reads":                      desk.ActionAuditReads,
	"GET /api/v1/tasks":                            desk.ActionListTasks,
	"POST /api/v1/tasks/{id}/complete":             desk.ActionComplete,
	"GET /api/v1/announcements":                    desk.ActionListAnnouncements,
	"POST /api/v1/announcements":                   desk.ActionCreateAnnouncement,
	"GET /api/v1/announcements/{id}":               desk.ActionReadAnnouncement,
	"POST /api/v1/announcements/{id}/resolve":      desk.ActionResolveAnnouncement,
	"GET /api/v1/notifications":                    desk.ActionNotifications,
	"POST /api/v1/notifications/{id}/read":         desk.ActionReadNotification,
	"GET /api/v1/reports/kpi":                      desk.ActionKPI,
	"GET /api/v1/people":                           desk.ActionFindPeople,
	"GET /api/v1/people/{username}/data":           desk.ActionPersonData,
	"POST /api/v1/people/{username}/erase":         desk.ActionErasePerson,
	"GET /api/v1/cases/{ref}/legal-hold":           desk.ActionLegalHold,
	"POST /api/v1/cases/{ref}/legal-hold":          desk.ActionLegalHold,
	"POST /api/v1/cases/{ref}/legal-hold/lift":     desk.ActionLegalHold,
	"POST /api/v1/codec/{op}":                      desk.ActionTemporalCodec,
}

// guard wraps the handler of an authenticated route: who is calling, not
// too often, and allowed to. A route missing from routeActions is refused
// to everyone (and TestEveryRouteNamesAnAction fails).
func (s *Server) guard(method, path string, h http.HandlerFunc) http.HandlerFunc {
	act, ok := routeActions[method+" "+path]
	if !ok {
		s.log.Error("route has no action in api/policy.go; refusing it to everyone", "method", method, "path", path)
		act = desk.Action("unlisted " + method + " " + path) // not in the policy: refused
	}
	next := s.authenticated(s.limited(s.authorize(act, h)))
	return func(w http.ResponseWriter, r *http.Request) {
		noteAction(r, act) // so a 401 is logged with what was tried
		next(w, r)
	}
}

// authorize runs h only if the desk's policy lets the caller take action
// act. Creating a case is refined by the kind in the body, read with the
// same decoder the handler uses, so both see the same kind.
func (s *Server) authorize(act desk.Action, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := act
		if a == desk.ActionCreateCase {
			a = createAction(r)
		}
		noteAction(r, a)
		if err := desk.Authorize(s.actor(r), a); err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r)
	}
}

// createAction peeks at a create request's kind and puts the body back.
// A body that is not JSON, too large or of an unknown kind stays the
// generic create action; the handler then refuses it with 4xx.
func createAction(r *http.Request) desk.Action {
	if !isJSON(r.Header.Get("Content-Type")) || r.Body == nil {
		return desk.ActionCreateCase
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(raw), r.Body), r.Body}
	if err != nil || len(raw) > maxBody {
		return desk.ActionCreateCase
	}
	var peek struct {
		Kind helpdesk.Kind `json:"kind"`
	}
	if json.Unmarshal(raw, &peek) != nil || !knownKind(peek.Kind) {
		return desk.ActionCreateCase
	}
	return desk.ActionCreate(peek.Kind)
}

// knownKind reports whether the policy knows how to open a case of kind k.
func knownKind(k helpdesk.Kind) bool {
	for _, a := range desk.Actions() {
		if a == desk.ActionCreate(k) {
			return true
		}
	}
	return false
}

// refusalLevel is the log level of a refused request: the statuses that
// say "not you", "not now" or "not so often" are logged, each with who,
// what and on which resource.
func refusalLevel(status int) (slog.Level, bool) {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		return slog.LevelWarn, true
	case http.StatusNotFound, http.StatusConflict:
		return slog.LevelInfo, true
	}
	return 0, false
}
