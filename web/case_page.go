package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// GET /cases/{ref}: one case (API.md section 9). Its reference and
// status are in data-field="reference" and data-field="status" with the
// API's values; the SLA's deadlines in plain words; what happened, as the
// user may see it (desk.Timeline: no internal notes for employees); and a
// form for every step the workflow allows the user now (desk.Steps), each
// posting to /cases/{ref}/<step> (case_steps.go), and for every
// fulfilment task they may complete (desk.OpenTasks, posting to
// /tasks/{id}/complete). The page follows the case on /live: htmx fetches
// it again on a change and swaps in the case's state, the timeline and a
// notice of what someone else did since the page was opened; the forms
// stay as they are, so nothing half-written is lost.

var casePageTemplate = parsePage("case_page.html", "case_table.html", "case_steps.html", "upload.html", "order_lines.html")

// casePageData is the case page's.
type casePageData struct {
	names
	Case    helpdesk.Case
	Entries []timelineItem
	// Steps the user may take now, and the fulfilment tasks and approvals
	// they may complete.
	Steps     []desk.Step
	Tasks     []helpdesk.Task
	Approvals []helpdesk.Task
	// Reporter: the signed-in user reported the case.
	Reporter bool
	// Since is the revision the page was first shown at; Changes what
	// others did after it (the live notice).
	Since   int64
	Changes []timelineItem
	// Done names the step just taken (?done=), to say it worked.
	Done string
	// FailedStep is the step whose form was sent back, with its values
	// and errors; Gone is set to it when that step is no longer offered.
	FailedStep, Gone string
	// For the forms: whom and which group a case may go to, the active
	// outages it may be linked to.
	Caseworkers, Groups []named
	Outages             []helpdesk.Announcement
	Response            *slaLine
	Resolution          *slaLine
	// Deadlines are those running, as a queue judges them.
	Deadlines []deadline
}

// slaLine is one of a case's deadlines in plain words.
type slaLine struct {
	At       time.Time
	Breached bool
	Met      bool
}

// Has reports whether the user may take step now.
func (d casePageData) Has(step string) bool { return slices.Contains(d.Steps, desk.Step(step)) }

// HasActions reports whether there is anything for the user to do, or a
// refusal to show.
func (d casePageData) HasActions() bool {
	return len(d.Steps) > 0 || len(d.Tasks) > 0 || len(d.Approvals) > 0 || d.Gone != ""
}

// shows reports whether the page has the form of step (a step's API
// name, or task-<id>).
func (d casePageData) shows(step string) bool {
	for _, t := range d.Tasks {
		if step == "task-"+t.ID {
			return true
		}
	}
	return d.Has(step)
}

// fileList is files of the case ref, as links to download them.
type fileList struct {
	Ref   string
	Files []helpdesk.Attachment
}

// URL is where a file of the case is downloaded.
func (l fileList) URL(a helpdesk.Attachment) string {
	return "/cases/" + l.Ref + "/attachments/" + a.SHA256
}

// FileList is files of the case ref, for the "files" template.
func (v *view) FileList(ref string, files []helpdesk.Attachment) fileList {
	return fileList{Ref: ref, Files: files}
}

// LineSum is what an order's line costs: "5 000 kr".
func (v *view) LineSum(l helpdesk.OrderLine) string { return v.NOK(l.UnitCostNOK * int64(l.Quantity)) }

// CatalogName is a catalogue item's name in the page's language (the
// catalogue file holds bokmål): fallback when there is no translation.
func (v *view) CatalogName(id, fallback string) string {
	if key := "catalog." + id; v.Lang.Has(key) {
		return v.T(key)
	}
	return fallback
}

// ServiceName is a service as the forms name it, or as it was typed.
func (v *view) ServiceName(s string) string {
	if key := "service." + s; v.Lang.Has(key) {
		return v.T(key)
	}
	return s
}

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /cases/{ref}", s.signedIn(s.casePage))
	})
}

// casePage is GET /cases/{ref}[?since=<revision>][&done=<step>].
func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	if !s.hasDesk(w, r) {
		return
	}
	q := r.URL.Query()
	since := int64(-1)
	if n, err := strconv.ParseInt(q.Get("since"), 10, 64); err == nil && n >= 0 {
		since = n
	}
	s.renderCase(w, r, http.StatusOK, r.PathValue("ref"), nil, "", since, q.Get("done"))
}

// renderCase shows the case ref names; form and failedStep, when set,
// are a step's form sent back with what is wrong.
func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, status int, ref string, form *Form, failedStep string, since int64, done string) {
	ctx, actor := r.Context(), Actor(r)
	tl, err := s.cfg.Desk.Timeline(ctx, actor, ref)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	c := tl.Case
	v := s.view(r, "case.title")
	v.Title = c.Title
	v.Form = form
	d := casePageData{names: s.names(v), Case: c, Reporter: c.Reporter == actor.Username, Since: c.Revision,
		FailedStep: failedStep, Steps: s.cfg.Desk.Steps(actor, c)}
	if since >= 0 && since <= c.Revision {
		d.Since = since
		for _, e := range tl.Since(since, actor.Username) {
			if it, ok := s.timelineItem(v, d.names, c, e); ok {
				d.Changes = append(d.Changes, it)
			}
		}
	}
	if done != "" && v.Lang.Has("case.done."+done) {
		d.Done = done
	}
	for _, e := range tl.Entries {
		if it, ok := s.timelineItem(v, d.names, c, e); ok {
			d.Entries = append(d.Entries, it)
		}
	}
	for _, t := range s.cfg.Desk.OpenTasks(actor, c) {
		if t.Kind == helpdesk.TaskApproval {
			d.Approvals = append(d.Approvals, t)
		} else {
			d.Tasks = append(d.Tasks, t)
		}
	}
	if failedStep != "" && !d.shows(failedStep) {
		// The step sent back is no longer offered (a colleague took the
		// case first): its refusal stands on its own above the forms.
		gone := &Form{Values: form.Values}
		for _, e := range form.Errors() {
			gone.Fail(failedStep+"-submit", e.Message)
		}
		v.Form, d.Gone = gone, failedStep
	}
	if d.Has(string(desk.StepAssign)) {
		d.Caseworkers, d.Groups = d.names.caseworkers(), d.names.groups()
	}
	if d.Has(string(desk.StepLink)) {
		active := true
		all, err := s.cfg.Desk.ListAnnouncements(ctx, actor, desk.AnnouncementFilter{Active: &active})
		if err != nil {
			s.deskFailure(w, r, err)
			return
		}
		for _, a := range all {
			if a.Kind == helpdesk.AnnouncementOutage {
				d.Outages = append(d.Outages, a)
			}
		}
	}
	if sla := c.SLA; sla != nil {
		if sla.ResponseDue != nil {
			d.Response = &slaLine{At: *sla.ResponseDue, Breached: sla.ResponseBreached, Met: sla.RespondedAt != nil}
		}
		if sla.ResolutionDue != nil {
			d.Resolution = &slaLine{At: *sla.ResolutionDue, Breached: sla.ResolutionBreached, Met: sla.Stopped}
		}
		d.Deadlines = deadlinesOf(factsOfCase(sla), c.Status, c.Priority, s.cfg.Desk.CasePolicy(), s.now())
	}
	v.Data = d
	if s.cfg.Live != nil {
		v.Live = "/live?case=" + c.ID
	}
	s.render(w, r, status, casePageTemplate, v)
}

// StepField is a step's form control named name (the API's field name);
// its id is unique on the page (field-<step>-<name>), as several steps
// have a reason. Only the form sent back shows its values and errors.
func (v *view) StepField(step, name, labelKey string) Field {
	f := Field{ID: fieldID(step + "-" + name), Name: name, Type: "text", Label: v.T(labelKey), lang: v.Lang}
	if d, ok := v.Data.(casePageData); ok && d.FailedStep == step {
		f.Value, f.Error = v.Form.Value(name), v.Form.Error(step+"-"+name)
	}
	return f
}

// StepText is StepField as a text area.
func (v *view) StepText(step, name, labelKey string) Field {
	f := v.StepField(step, name, labelKey)
	f.Type, f.Rows = "textarea", 4
	return f
}

// StepError is the error of a step's form that belongs to no field (a
// step the case no longer allows, say), shown above its button.
func (v *view) StepError(step string) string {
	if d, ok := v.Data.(casePageData); ok && d.FailedStep == step {
		return v.Form.Error(step + "-submit")
	}
	return ""
}

// SLAPassed reports whether a deadline has passed unmet.
func (v *view) SLAPassed(l *slaLine) bool {
	return l != nil && !l.Met && (l.Breached || !v.now.Before(l.At))
}

// stepButton is a step's only button (claim, confirm) with the step's
// error.
type stepButton struct {
	ID, Label, Variant, Error string
}

// StepButton is the button of step, labelled by labelKey.
func (v *view) StepButton(step, labelKey, variant string) stepButton {
	return stepButton{ID: fieldID(step + "-submit"), Label: v.T(labelKey), Variant: variant, Error: v.StepError(step)}
}

// upload is a form's file input with its error and the files kept.
type upload struct {
	ID, Error, Accept string
	Kept              []desk.AttachmentRef
}

// StepUpload is the file input of step's form.
func (v *view) StepUpload(step string) upload {
	f := v.StepField(step, "attachments", "upload.label")
	return upload{ID: f.ID, Error: f.Error, Accept: UploadAccept, Kept: v.StepKeptFiles(step)}
}

// Upload is the file input of a new case's form.
func (v *view) Upload() upload {
	return upload{ID: fieldID("attachments"), Error: v.Form.Error("attachments"), Accept: UploadAccept, Kept: v.KeptFiles()}
}

// taskForm is the form completing one fulfilment task: a step of its own
// ("task-<id>"), posting to /tasks/{id}/complete.
type taskForm struct {
	ID string
	v  *view
}

// TaskForm is the form of task id.
func (v *view) TaskForm(id string) taskForm { return taskForm{ID: "task-" + id, v: v} }

// Error, Value and Text are the form's, as StepField gives them.
func (t taskForm) Error(name string) string { return t.v.StepField(t.ID, name, "task.outcome").Error }
func (t taskForm) Value(name string) string { return t.v.StepField(t.ID, name, "task.outcome").Value }
func (t taskForm) Text(name, labelKey string) Field {
	f := t.v.StepText(t.ID, name, labelKey)
	f.Rows = 2
	return f
}
