package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Action is what a request asks to do. Every authenticated route names one
// (routeActions), and the policy table (policy) says who may. The API
// checks it before any workflow call; the workflow decides again with the
// domain's rules (the actor travels with every update), which also know
// the case: whether the caller reported it, holds it, approves it.
type Action string

// Actions of the routes in server.go.
const (
	ActionMe            Action = "me.read"
	ActionListCases     Action = "case.list"
	ActionReadCase      Action = "case.read"
	ActionCreateCase    Action = "case.create" // a body whose kind cannot be read
	ActionClaim         Action = "case.claim"
	ActionAssign        Action = "case.assign"
	ActionComment       Action = "case.comment"
	ActionRequest       Action = "case.request-info"
	ActionReply         Action = "case.reply"
	ActionResolve       Action = "case.resolve"
	ActionConfirm       Action = "case.confirm"
	ActionReopen        Action = "case.reopen"
	ActionCancel        Action = "case.cancel"
	ActionHistory       Action = "case.history"
	ActionSLA           Action = "case.sla"
	ActionVerifyCase    Action = "case.verify"
	ActionVerifyAll     Action = "audit.verify"
	ActionListTasks     Action = "task.list"
	ActionComplete      Action = "task.complete"
	ActionNotifications Action = "notification.list"
	// ActionReadNotification marks one of the caller's own notifications
	// read (api/notifications.go).
	ActionReadNotification Action = "notification.read"
	// ActionAuditReads lists who read the record (api/auditlog.go).
	ActionAuditReads Action = "audit.reads"
	// ActionReadAnnouncement reads one announcement
	// (api/announcements.go).
	ActionReadAnnouncement Action = "announcement.read"
)

// Actions of API.md endpoints that have no route yet; a route added for
// one of them is guarded at once.
const (
	ActionLink                Action = "case.link"
	ActionCaseState           Action = "case.state"
	ActionAuditExport         Action = "audit.export"
	ActionListAnnouncements   Action = "announcement.list"
	ActionCreateAnnouncement  Action = "announcement.create"
	ActionResolveAnnouncement Action = "announcement.resolve"
	ActionKPI                 Action = "report.kpi"
)

// ActionCreate is the action of creating a case of kind k.
func ActionCreate(k helpdesk.Kind) Action { return Action("case.create." + string(k)) }

// rule says who may take an action.
type rule struct {
	// anyone: every authenticated directory user; otherwise roles.
	anyone bool
	roles  []helpdesk.Role
	// deputies: someone who stands in for an approver today may too.
	deputies bool
	// write: the action changes something. Auditors are read-only: a
	// write is refused to anyone holding the auditor role, whatever else
	// they hold (an audit account is not a working account).
	write bool
}

var (
	everyone   = rule{anyone: true}
	anyWriter  = rule{anyone: true, write: true}
	caseworker = rule{roles: []helpdesk.Role{helpdesk.RoleCaseworker}, write: true}
	manager    = rule{roles: []helpdesk.Role{helpdesk.RoleManager}, write: true}
)

// policy is the API's authorization table, role × action. Reading is open
// to every user because what they may read is narrowed per case (a case
// they may not see answers 404, lists hold only what they may see).
var policy = map[Action]rule{
	ActionMe:         everyone,
	ActionListCases:  everyone,
	ActionReadCase:   everyone,
	ActionHistory:    everyone, // reporters their own, caseworkers and auditors any
	ActionSLA:        everyone,
	ActionVerifyCase: everyone,
	ActionListTasks:  everyone, // the tasks the caller may act on; none for most
	ActionVerifyAll:  {roles: []helpdesk.Role{helpdesk.RoleAuditor, helpdesk.RoleServiceOwner}},

	ActionCreateCase:                     anyWriter,
	ActionCreate(helpdesk.KindIncident):  anyWriter,
	ActionCreate(helpdesk.KindGuidance):  anyWriter,
	ActionCreate(helpdesk.KindOrder):     anyWriter,
	ActionCreate(helpdesk.KindNewUser):   manager, // for a unit they lead: the domain checks
	ActionCreate(helpdesk.KindESAAccess): manager,
	ActionCreate(helpdesk.KindDeparture): manager,

	ActionClaim:   caseworker,
	ActionAssign:  caseworker,
	ActionLink:    caseworker,
	ActionRequest: caseworker, // the assignee: the domain checks
	ActionResolve: caseworker, // the assignee: the domain checks
	ActionComment: anyWriter,  // the reporter or a caseworker: the domain checks
	ActionReply:   anyWriter,  // the reporter
	ActionConfirm: anyWriter,  // the reporter
	ActionReopen:  anyWriter,  // the reporter
	ActionCancel:  anyWriter,  // the reporter or whoever created the case

	// Approvers are budget holders (managers), the ESA system owner, the
	// service owner as fallback, caseworkers for reviews and fulfilment,
	// and whoever deputises for one of them today.
	ActionComplete: {roles: []helpdesk.Role{helpdesk.RoleCaseworker, helpdesk.RoleManager, helpdesk.RoleBudgetHolder,
		helpdesk.RoleESAOwner, helpdesk.RoleServiceOwner}, deputies: true, write: true},

	ActionCaseState:           everyone,
	ActionAuditExport:         {roles: []helpdesk.Role{helpdesk.RoleAuditor}},
	ActionAuditReads:          {roles: []helpdesk.Role{helpdesk.RoleAuditor}},
	ActionListAnnouncements:   everyone,
	ActionReadAnnouncement:    everyone,
	ActionCreateAnnouncement:  {roles: []helpdesk.Role{helpdesk.RoleOperations}, write: true},
	ActionResolveAnnouncement: {roles: []helpdesk.Role{helpdesk.RoleOperations}, write: true},
	ActionNotifications:       everyone,
	ActionReadNotification:    anyWriter, // only the caller's own: another's is 404
	ActionKPI:                 {roles: []helpdesk.Role{helpdesk.RoleServiceOwner, helpdesk.RoleAuditor}},
}

// routeActions names the action of every authenticated route ("METHOD
// path" as in server.go's table). A route missing here is refused to
// everyone, so no route is ever served unguarded.
var routeActions = map[string]Action{
	"GET /api/v1/me":                          ActionMe,
	"GET /api/v1/cases":                       ActionListCases,
	"POST /api/v1/cases":                      ActionCreateCase, // refined by the body's kind
	"GET /api/v1/cases/{ref}":                 ActionReadCase,
	"POST /api/v1/cases/{ref}/claim":          ActionClaim,
	"POST /api/v1/cases/{ref}/assign":         ActionAssign,
	"POST /api/v1/cases/{ref}/link":           ActionLink,
	"POST /api/v1/cases/{ref}/comment":        ActionComment,
	"POST /api/v1/cases/{ref}/request-info":   ActionRequest,
	"POST /api/v1/cases/{ref}/reply":          ActionReply,
	"POST /api/v1/cases/{ref}/resolve":        ActionResolve,
	"POST /api/v1/cases/{ref}/confirm":        ActionConfirm,
	"POST /api/v1/cases/{ref}/reopen":         ActionReopen,
	"POST /api/v1/cases/{ref}/cancel":         ActionCancel,
	"GET /api/v1/cases/{ref}/history":         ActionHistory,
	"GET /api/v1/cases/{ref}/state":           ActionCaseState,
	"GET /api/v1/cases/{ref}/sla":             ActionSLA,
	"GET /api/v1/cases/{ref}/verify":          ActionVerifyCase,
	"GET /api/v1/audit/verify":                ActionVerifyAll,
	"GET /api/v1/audit/export":                ActionAuditExport,
	"GET /api/v1/audit/reads":                 ActionAuditReads,
	"GET /api/v1/tasks":                       ActionListTasks,
	"POST /api/v1/tasks/{id}/complete":        ActionComplete,
	"GET /api/v1/announcements":               ActionListAnnouncements,
	"POST /api/v1/announcements":              ActionCreateAnnouncement,
	"GET /api/v1/announcements/{id}":          ActionReadAnnouncement,
	"POST /api/v1/announcements/{id}/resolve": ActionResolveAnnouncement,
	"GET /api/v1/notifications":               ActionNotifications,
	"POST /api/v1/notifications/{id}/read":    ActionReadNotification,
	"GET /api/v1/reports/kpi":                 ActionKPI,
}

// Allowed reports whether actor may take action a. An action the table
// does not know is refused.
func Allowed(a helpdesk.Actor, act Action) bool {
	r, ok := policy[act]
	if !ok {
		return false
	}
	if r.write && a.Has(helpdesk.RoleAuditor) {
		return false
	}
	if r.anyone {
		return true
	}
	if r.deputies && len(a.Deputising) > 0 {
		return true
	}
	return slices.ContainsFunc(r.roles, a.Has)
}

// guard wraps the handler of an authenticated route: who is calling, not
// too often, and allowed to. A route missing from routeActions is refused
// to everyone (and TestEveryRouteNamesAnAction fails).
func (s *Server) guard(method, path string, h http.HandlerFunc) http.HandlerFunc {
	act, ok := routeActions[method+" "+path]
	if !ok {
		s.log.Error("route has no action in api/policy.go; refusing it to everyone", "method", method, "path", path)
		act = Action("unlisted " + method + " " + path) // not in the policy: refused
	}
	next := s.authenticated(s.limited(s.authorize(act, h)))
	return func(w http.ResponseWriter, r *http.Request) {
		noteAction(r, act) // so a 401 is logged with what was tried
		next(w, r)
	}
}

// authorize runs h only if the caller may take action act. Creating a case
// is refined by the kind in the body, read with the same decoder the
// handler uses, so both see the same kind.
func (s *Server) authorize(act Action, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := act
		if a == ActionCreateCase {
			a = createAction(r)
		}
		noteAction(r, a)
		if !Allowed(s.actor(r), a) {
			writeProblem(w, problem(r, http.StatusForbidden, "",
				"du har ikke tilgang til dette ("+string(a)+")", "you are not allowed to do this ("+string(a)+")"))
			return
		}
		h(w, r)
	}
}

// createAction peeks at a create request's kind and puts the body back.
// A body that is not JSON, too large or of an unknown kind stays the
// generic create action; the handler then refuses it with 4xx.
func createAction(r *http.Request) Action {
	if !isJSON(r.Header.Get("Content-Type")) || r.Body == nil {
		return ActionCreateCase
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(raw), r.Body), r.Body}
	if err != nil || len(raw) > maxBody {
		return ActionCreateCase
	}
	var peek struct {
		Kind helpdesk.Kind `json:"kind"`
	}
	if json.Unmarshal(raw, &peek) != nil {
		return ActionCreateCase
	}
	if _, known := policy[ActionCreate(peek.Kind)]; !known {
		return ActionCreateCase
	}
	return ActionCreate(peek.Kind)
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
