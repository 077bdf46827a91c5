package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// POST /cases/{ref}/<step>: one step of a case, by its API name (API.md
// section 9), with the API's field names. Success answers 303 to the case
// page (?done=<step> says it worked); a refusal shows the case page again
// with the error beside the field of that step's form and at the top,
// and changes nothing.

// stepFields are each step's form fields in order; a refusal naming none
// of them goes beside the first (or above the button of a step without
// fields).
var stepFields = map[desk.Step][]string{
	desk.StepClaim:       nil,
	desk.StepAssign:      {"assignee", "group"},
	desk.StepComment:     {"body", "internal", "attachments"},
	desk.StepRequestInfo: {"question"},
	desk.StepReply:       {"body", "attachments"},
	desk.StepResolve:     {"resolution"},
	desk.StepConfirm:     nil,
	desk.StepReopen:      {"reason"},
	desk.StepCancel:      {"reason"},
	desk.StepLink:        {"announcement"},
}

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("POST /cases/{ref}/{step}", s.signedIn(s.caseStep))
	})
}

// caseStep is POST /cases/{ref}/{step}.
func (s *Server) caseStep(w http.ResponseWriter, r *http.Request) {
	step := desk.Step(r.PathValue("step"))
	fields, known := stepFields[step]
	if !known {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	if !s.hasDesk(w, r) {
		return
	}
	ctx, actor, ref := r.Context(), Actor(r), r.PathValue("ref")
	f := NewForm(r)
	var (
		c   helpdesk.Case
		err error
		dk  = s.cfg.Desk
	)
	switch step {
	case desk.StepClaim:
		c, err = dk.Claim(ctx, actor, ref)
	case desk.StepAssign:
		c, err = dk.Assign(ctx, actor, ref, desk.Assignment{Assignee: f.Value("assignee"), Group: f.Value("group")})
	case desk.StepComment:
		n := desk.Note{Body: f.Value("body")}
		if actor.Has(helpdesk.RoleCaseworker) {
			// A caseworker says whom the comment is for, every time: a note
			// meant for colleagues must never reach the reporter by default.
			switch f.Value("internal") {
			case "true":
				n.Internal = true
			case "false":
			default:
				f.Fail("comment-internal", Lang(r).T("step.comment.chooseVisibility"))
			}
		}
		n.Attachments = s.uploads(r, f, "comment-attachments")
		if f.HasErrors() {
			s.renderCase(w, r, http.StatusBadRequest, ref, f, string(step), -1, "")
			return
		}
		c, err = dk.Comment(ctx, actor, ref, n)
	case desk.StepRequestInfo:
		c, err = dk.RequestInfo(ctx, actor, ref, f.Value("question"))
	case desk.StepReply:
		files := s.uploads(r, f, "reply-attachments")
		if f.HasErrors() {
			s.renderCase(w, r, http.StatusBadRequest, ref, f, string(step), -1, "")
			return
		}
		c, err = dk.Reply(ctx, actor, ref, f.Value("body"), files)
	case desk.StepResolve:
		c, err = dk.Resolve(ctx, actor, ref, f.Value("resolution"))
	case desk.StepConfirm:
		c, err = dk.Confirm(ctx, actor, ref)
	case desk.StepReopen:
		c, err = dk.Reopen(ctx, actor, ref, f.Value("reason"))
	case desk.StepCancel:
		c, err = dk.Cancel(ctx, actor, ref, f.Value("reason"))
	case desk.StepLink:
		c, err = dk.Link(ctx, actor, ref, f.Value("announcement"))
	}
	if err != nil {
		s.stepRefused(w, r, ref, string(step), fields, f, err)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(c.Reference)+"?done="+string(step), http.StatusSeeOther)
}

// stepRefused shows the case again with the desk's refusal on the form of
// step (fields are its fields); a case the user may not see, or a
// failure that is no refusal, is an error page instead.
func (s *Server) stepRefused(w http.ResponseWriter, r *http.Request, ref, step string, fields []string, f *Form, err error) {
	e, ok := desk.AsError(err)
	if !ok || e.Kind == desk.NotFound || e.Kind == desk.Busy || e.Kind == desk.Unavailable || e.Kind == desk.Unauthenticated {
		s.deskFailure(w, r, err)
		return
	}
	field := e.Field
	if !slices.Contains(fields, field) {
		field = "submit"
		if len(fields) > 0 {
			field = fields[0]
		}
	}
	f.Fail(step+"-"+field, e.Text(Lang(r) == i18n.EN))
	s.renderCase(w, r, refusalStatus(e.Kind), ref, f, step, -1, "")
}
