package desk

import (
	"slices"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Action is what a caller asks to do. Every command and query of the desk
// names one, and the policy table says who may. The desk checks it before
// anything else; the workflow decides again with the domain's rules (the
// actor travels with every update), which also know the case: whether the
// caller reported it, holds it, approves it.
type Action string

// Actions of the desk's commands and queries.
const (
	ActionMe                  Action = "me.read"
	ActionListCases           Action = "case.list"
	ActionReadCase            Action = "case.read"
	ActionCreateCase          Action = "case.create" // a request whose kind cannot be read
	ActionClaim               Action = "case.claim"
	ActionAssign              Action = "case.assign"
	ActionLink                Action = "case.link"
	ActionComment             Action = "case.comment"
	ActionRequest             Action = "case.request-info"
	ActionReply               Action = "case.reply"
	ActionResolve             Action = "case.resolve"
	ActionConfirm             Action = "case.confirm"
	ActionReopen              Action = "case.reopen"
	ActionCancel              Action = "case.cancel"
	ActionHistory             Action = "case.history"
	ActionCaseState           Action = "case.state"
	ActionSLA                 Action = "case.sla"
	ActionVerifyCase          Action = "case.verify"
	ActionVerifyAll           Action = "audit.verify"
	ActionAuditExport         Action = "audit.export"
	ActionAuditReads          Action = "audit.reads"
	ActionListTasks           Action = "task.list"
	ActionComplete            Action = "task.complete"
	ActionListAnnouncements   Action = "announcement.list"
	ActionReadAnnouncement    Action = "announcement.read"
	ActionCreateAnnouncement  Action = "announcement.create"
	ActionResolveAnnouncement Action = "announcement.resolve"
	ActionNotifications       Action = "notification.list"
	// ActionReadNotification marks one of the caller's own notifications
	// read.
	ActionReadNotification Action = "notification.read"
	ActionKPI              Action = "report.kpi"
	// ActionUploadAttachment stores a file for a case, comment or reply
	// to come (attachments.go).
	ActionUploadAttachment Action = "attachment.upload"
	// ActionPersonData reads everything held about a person: their own,
	// or anyone's for the data protection officer (person_data.go).
	ActionPersonData Action = "person.data"
	// ActionFindPeople finds people by name (the data protection
	// officer's search, find_people.go).
	ActionFindPeople Action = "person.find"
	// ActionErasePerson erases a person's personal data where the law
	// allows it (erase_person.go).
	ActionErasePerson Action = "person.erase"
	// ActionLegalHold sets or lifts a legal hold on a case (legal_hold.go).
	ActionLegalHold Action = "case.legal-hold"
	// ActionTemporalCodec decodes (and encodes) Temporal payloads for the
	// Temporal Web UI and CLI (temporal_codec.go).
	ActionTemporalCodec Action = "temporal.codec"
	// ActionTeam reads a manager's team: the people of the units they
	// lead, their accesses, and the open requests (team.go).
	ActionTeam Action = "team.read"
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
	dpo        = rule{roles: []helpdesk.Role{helpdesk.RoleDPO}, write: true}
	manager    = rule{roles: []helpdesk.Role{helpdesk.RoleManager}, write: true}
)

// policy is the authorization table, role × action, for every door.
// Reading is open to every user because what they may read is narrowed per
// case (a case they may not see is NotFound, lists hold only what they may
// see).
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
	ActionCreate(helpdesk.KindNewUser):   manager, // for a unit they lead: open_case.go checks
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
	ActionReadNotification:    anyWriter, // only the caller's own: another's is NotFound
	ActionKPI:                 {roles: []helpdesk.Role{helpdesk.RoleServiceOwner, helpdesk.RoleAuditor}},
	ActionUploadAttachment:    anyWriter,
	ActionTeam:                {roles: []helpdesk.Role{helpdesk.RoleManager}}, // the units they lead: team.go narrows

	// Personal data (docs/PRIVACY.md). Everyone may ask for their own;
	// person_data.go narrows it to that, but for the data protection
	// officer. Finding people, erasing and holding are hers alone.
	ActionPersonData:  everyone,
	ActionFindPeople:  {roles: []helpdesk.Role{helpdesk.RoleDPO}},
	ActionErasePerson: dpo,
	ActionLegalHold:   dpo,
	// Operations run Temporal; decoding its histories shows every case's
	// text, so only they may, and each decode is a recorded read.
	ActionTemporalCodec: {roles: []helpdesk.Role{helpdesk.RoleOperations}},
}

// Allowed reports whether actor may take action act. An action the table
// does not know is refused. Doors may ask before they read a request (so
// an auditor's POST is refused whatever its body); every command and
// query asks again.
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

// Actions lists every action the policy knows, for tests and docs.
func Actions() []Action {
	out := make([]Action, 0, len(policy))
	for a := range policy {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Authorize is Allowed as an error: Forbidden, naming the action.
func Authorize(a helpdesk.Actor, act Action) error {
	if Allowed(a, act) {
		return nil
	}
	return refuse(Forbidden, "", "du har ikke tilgang til dette ("+string(act)+")", "you are not allowed to do this ("+string(act)+")")
}
