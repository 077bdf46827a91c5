package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// idempotencyNamespace derives case IDs from Idempotency-Key headers.
var idempotencyNamespace = uuid.MustParse("0b7e7c52-3f0e-5c7a-8f64-7f3c1d0e9a21")

// creation names what a create request makes: the hash of its body (a
// repeat with the same Idempotency-Key but another body is refused) and
// the new thing's ID — random, or derived from the caller and their
// Idempotency-Key within namespace, so a retried request finds what the
// first one made.
func creation(r *http.Request, raw []byte, namespace uuid.UUID, username string) (hash string, id uuid.UUID, p *Problem) {
	sum := sha256.Sum256(raw)
	hash = hex.EncodeToString(sum[:])
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return hash, uuid.New(), nil
	}
	if len(key) > 200 {
		return "", uuid.Nil, problem(r, http.StatusBadRequest, "Idempotency-Key", "Idempotency-Key er for lang (maks 200 tegn)", "Idempotency-Key is too long (max 200 characters)")
	}
	return hash, uuid.NewSHA1(namespace, []byte(username+"\x00"+key)), nil
}

// stepTimeout bounds how long a request waits for its workflow.
const stepTimeout = 30 * time.Second

func (s *Server) handleCreateCase(w http.ResponseWriter, r *http.Request) {
	user := userFrom(r.Context())
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeProblem(w, problem(r, http.StatusRequestEntityTooLarge, "", "forespørselen er større enn 1 MiB", "the request body is larger than 1 MiB"))
		return
	}
	actor := s.actor(r)
	in, p := s.caseInput(w, r, raw, actor)
	if p != nil {
		writeProblem(w, p)
		return
	}
	hash, caseID, p := creation(r, raw, idempotencyNamespace, user.Username)
	if p != nil {
		writeProblem(w, p)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), stepTimeout)
	defer cancel()
	in.CaseID, in.Actor, in.RequestHash, in.CorrelationID, in.Policy = caseID.String(), actor, hash, correlationID(r), s.policy
	if in.NewUser != nil && in.NewUser.ESA != nil {
		in.NewUser.ESACaseID = uuid.NewSHA1(caseID, []byte("esa-access")).String()
	}
	view, err := s.startCase(ctx, in)
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			// The same key was used for a case that has already finished.
			c, lerr := s.loadCase(ctx, caseID.String())
			if lerr == nil && actor.CanSee(c) {
				writeJSON(w, http.StatusCreated, c.VisibleTo(actor))
				return
			}
		}
		s.workflowFailure(w, r, err)
		return
	}
	if view.RequestHash != hash {
		writeProblem(w, problem(r, http.StatusConflict, "Idempotency-Key",
			"Idempotency-Key er allerede brukt med et annet innhold", "Idempotency-Key was already used with a different body"))
		return
	}
	logctx.SetCaseRef(r.Context(), view.Case.Reference)
	w.Header().Set("Location", "/api/v1/cases/"+view.Case.Reference)
	writeJSON(w, http.StatusCreated, view.Case.VisibleTo(actor))
}

// startCase starts the workflow of a new case (or finds the one already
// started under in.CaseID) and waits until the case is recorded. Every
// way a case is created (HTTP, mail) goes through here.
func (s *Server) startCase(ctx context.Context, in workflows.CaseInput) (workflows.CaseView, error) {
	start := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.WorkflowID(in.CaseID),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.CaseWorkflowName, in)
	h, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.UpdateOpened,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var view workflows.CaseView
	if err == nil {
		err = h.Get(ctx, &view)
	}
	return view, err
}

// caseInput reads a create request by its kind, strictly, and prepares the
// workflow input: an order is priced and its approvers looked up here,
// because the workflow cannot read the catalog or the directory.
func (s *Server) caseInput(w http.ResponseWriter, r *http.Request, raw []byte, actor helpdesk.Actor) (workflows.CaseInput, *Problem) {
	var peek struct {
		Kind helpdesk.Kind `json:"kind"`
	}
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		return workflows.CaseInput{}, problem(r, http.StatusUnsupportedMediaType, "", "forespørselen må være JSON (Content-Type: application/json)", "the request body must be JSON (Content-Type: application/json)")
	}
	if err := json.Unmarshal(raw, &peek); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return workflows.CaseInput{}, problem(r, http.StatusBadRequest, typeErr.Field, fmt.Sprintf("feltet %q har feil type", typeErr.Field), fmt.Sprintf("field %q has the wrong type", typeErr.Field))
		}
		return workflows.CaseInput{}, problem(r, http.StatusBadRequest, "", "forespørselen er ikke gyldig JSON", "the request body is not valid JSON")
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	switch peek.Kind {
	case helpdesk.KindOrder:
		var req helpdesk.OrderRequest
		if p := decode(w, r, &req, false); p != nil {
			return workflows.CaseInput{}, p
		}
		order, err := req.Price(s.catalog, s.dir.HasUnit)
		if err != nil {
			return workflows.CaseInput{}, stepProblem(r, err)
		}
		budgetHolder, fallback := s.dir.BudgetHolder(req.CostCenter), s.dir.FallbackApprover()
		if budgetHolder == "" || budgetHolder == actor.Username {
			// Nobody approves their own order.
			budgetHolder = fallback
		}
		if order.NeedsApproval() && (budgetHolder == "" || budgetHolder == actor.Username) {
			return workflows.CaseInput{}, problem(r, http.StatusConflict, "costCenter",
				"ingen andre enn deg kan godkjenne kostnaden for denne enheten; velg en annen kostnadsbærer",
				"nobody but you could accept the cost for this unit; choose another cost centre")
		}
		return workflows.CaseInput{Order: &workflows.OrderInput{Request: req, Order: order, BudgetHolder: budgetHolder, Fallback: fallback}}, nil
	case helpdesk.KindIncident, helpdesk.KindGuidance:
		var req helpdesk.OpenRequest
		if p := decode(w, r, &req, false); p != nil {
			return workflows.CaseInput{}, p
		}
		if err := req.Normalize(actor); err != nil {
			return workflows.CaseInput{}, stepProblem(r, err)
		}
		if req.OnBehalfOf != "" {
			if _, ok := s.dir.User(req.OnBehalfOf); !ok {
				return workflows.CaseInput{}, problem(r, http.StatusBadRequest, "onBehalfOf", "ukjent bruker", "unknown user")
			}
		}
		in := workflows.CaseInput{Request: req}
		if req.Announcement != "" {
			link, p := s.activeOutage(r, req.Announcement) // api/announcements.go
			if p != nil {
				return workflows.CaseInput{}, p
			}
			in.Announcement = &link
		}
		return in, nil
	case helpdesk.KindESAAccess, helpdesk.KindDeparture, helpdesk.KindNewUser:
		return s.userManagementInput(w, r, peek.Kind, actor)
	case "":
		return workflows.CaseInput{}, problem(r, http.StatusBadRequest, "kind", "kind mangler", "kind is required")
	}
	return workflows.CaseInput{}, problem(r, http.StatusBadRequest, "kind", "ukjent eller ikke støttet sakstype", "unknown or unsupported case kind")
}

func (s *Server) handleGetCase(w http.ResponseWriter, r *http.Request) {
	c, p := s.visibleCase(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	writeJSON(w, http.StatusOK, c.VisibleTo(s.actor(r)))
}

// stepSpec is one case step: its workflow update and how its body is read.
type stepSpec struct {
	update string
	// body decodes the step's own fields (unknown fields are refused) into
	// the update input; nil means the step takes no body.
	body func(w http.ResponseWriter, r *http.Request, in *workflows.StepInput) *Problem
}

func bodyOf[T any](fill func(T, *workflows.StepInput)) func(http.ResponseWriter, *http.Request, *workflows.StepInput) *Problem {
	return func(w http.ResponseWriter, r *http.Request, in *workflows.StepInput) *Problem {
		var b T
		if p := decode(w, r, &b, false); p != nil {
			return p
		}
		fill(b, in)
		return nil
	}
}

// steps maps the last path element of POST /cases/{ref}/<step>.
var steps = map[string]stepSpec{
	"claim": {update: workflows.UpdateClaim},
	"assign": {update: workflows.UpdateAssign, body: bodyOf(func(b struct {
		Assignee string `json:"assignee"`
		Group    string `json:"group"`
	}, in *workflows.StepInput) {
		in.Assignee, in.Group = b.Assignee, b.Group
	})},
	"comment": {update: workflows.UpdateComment, body: bodyOf(func(b struct {
		Body     string `json:"body"`
		Internal bool   `json:"internal"`
	}, in *workflows.StepInput) {
		in.Body, in.Internal = b.Body, b.Internal
	})},
	"request-info": {update: workflows.UpdateRequestInfo, body: bodyOf(func(b struct {
		Question string `json:"question"`
	}, in *workflows.StepInput) {
		in.Question = b.Question
	})},
	"reply": {update: workflows.UpdateReply, body: bodyOf(func(b struct {
		Body string `json:"body"`
	}, in *workflows.StepInput) {
		in.Body = b.Body
	})},
	"resolve": {update: workflows.UpdateResolve, body: bodyOf(func(b struct {
		Resolution string `json:"resolution"`
	}, in *workflows.StepInput) {
		in.Resolution = b.Resolution
	})},
	"confirm": {update: workflows.UpdateConfirm},
	// link: the outage is looked up in handleStep (api/announcements.go).
	"link": {update: workflows.UpdateLink, body: bodyOf(func(b struct {
		Announcement string `json:"announcement"`
	}, in *workflows.StepInput) {
		in.Announcement = &helpdesk.AnnouncementLink{ID: b.Announcement}
	})},
	"reopen": {update: workflows.UpdateReopen, body: bodyOf(func(b struct {
		Reason string `json:"reason"`
	}, in *workflows.StepInput) {
		in.Reason = b.Reason
	})},
	"cancel": {update: workflows.UpdateCancel, body: bodyOf(func(b struct {
		Reason string `json:"reason"`
	}, in *workflows.StepInput) {
		in.Reason = b.Reason
	})},
}

func (s *Server) handleStep(w http.ResponseWriter, r *http.Request) {
	spec, ok := steps[r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]]
	if !ok {
		writeProblem(w, problem(r, http.StatusNotFound, "", "ukjent steg", "no such step"))
		return
	}
	actor := s.actor(r)
	in := workflows.StepInput{Actor: actor, CorrelationID: correlationID(r)}
	if spec.body != nil {
		if p := spec.body(w, r, &in); p != nil {
			writeProblem(w, p)
			return
		}
	} else {
		// Steps without fields accept no body or an empty object.
		var none struct{}
		if p := decode(w, r, &none, true); p != nil {
			writeProblem(w, p)
			return
		}
	}
	if p := s.checkAssignment(r, in); p != nil {
		writeProblem(w, p)
		return
	}
	if in.Announcement != nil {
		link, p := s.activeOutage(r, in.Announcement.ID)
		if p != nil {
			writeProblem(w, p)
			return
		}
		in.Announcement = &link
	}
	c, p := s.visibleCase(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	s.step(w, r, c.ID, spec.update, in)
}

// step sends one update to a case's workflow and answers with the case as
// the workflow has it afterwards (read-your-writes), as actor may see it.
func (s *Server) step(w http.ResponseWriter, r *http.Request, caseID, update string, in workflows.StepInput) {
	ctx, cancel := context.WithTimeout(r.Context(), stepTimeout)
	defer cancel()
	view, err := s.sendStep(ctx, caseID, update, "", in)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			// The workflow has finished: nothing more can happen to the case.
			writeProblem(w, problem(r, http.StatusConflict, "", "saken er avsluttet, og steget er ikke tillatt", "the case is finished; the step is not allowed"))
			return
		}
		s.workflowFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.Case.VisibleTo(in.Actor))
}

// sendStep sends one update to a case's workflow and returns the case as
// the workflow has it afterwards. updateID, when not empty, makes a
// repeated call the same update (Temporal deduplicates by it).
func (s *Server) sendStep(ctx context.Context, caseID, update, updateID string, in workflows.StepInput) (workflows.CaseView, error) {
	h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflows.WorkflowID(caseID),
		UpdateID:     updateID,
		UpdateName:   update,
		Args:         []any{in},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var view workflows.CaseView
	if err == nil {
		err = h.Get(ctx, &view)
	}
	return view, err
}

// checkAssignment refuses assignment to someone who is not a caseworker or
// to a group that does not exist; the workflow cannot know the directory.
func (s *Server) checkAssignment(r *http.Request, in workflows.StepInput) *Problem {
	if in.Assignee != "" {
		u, ok := s.dir.User(in.Assignee)
		if !ok || !u.Actor().Has(helpdesk.RoleCaseworker) {
			return problem(r, http.StatusBadRequest, "assignee", "assignee må være en saksbehandler", "assignee must be a caseworker")
		}
	}
	if in.Group != "" && !s.dir.HasGroup(in.Group) {
		return problem(r, http.StatusBadRequest, "group", "ukjent gruppe", "unknown group")
	}
	return nil
}

// workflowFailure answers a failed workflow call: a domain refusal keeps
// its status, anything else is a 503 or 500 without internals.
func (s *Server) workflowFailure(w http.ResponseWriter, r *http.Request, err error) {
	if se, ok := refused(err); ok {
		writeProblem(w, stepProblem(r, se))
		return
	}
	if engineBusy(err) {
		writeProblem(w, problem(r, http.StatusServiceUnavailable, "", "saksmotoren svarte ikke i tide; prøv igjen", "the case engine did not answer in time; try again"))
		return
	}
	s.log.ErrorContext(r.Context(), "workflow call failed", "path", r.URL.Path, "error", err)
	writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
}

// engineBusy reports whether a workflow call failed for want of time: our
// own deadline, or Temporal giving up on an update (its service deadline or
// cancellation, e.g. while no worker runs). Trying again later may work, so
// it is a 503, not a 500.
func engineBusy(err error) bool {
	var timedOut *client.WorkflowUpdateServiceTimeoutOrCanceledError
	var deadline *serviceerror.DeadlineExceeded
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &timedOut) || errors.As(err, &deadline)
}

// refused finds the domain's refusal in a failed workflow call.
func refused(err error) (*helpdesk.StepError, bool) {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		var d workflows.ErrorDetails
		if appErr.HasDetails() && appErr.Details(&d) == nil && d.Code != "" {
			return &helpdesk.StepError{Code: d.Code, Field: d.Field, Message: d.Message, English: d.English}, true
		}
	}
	return nil, false
}

// stepProblem maps a domain refusal to its HTTP problem.
func stepProblem(r *http.Request, err error) *Problem {
	se, ok := helpdesk.AsStepError(err)
	if !ok {
		return problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred")
	}
	status := map[helpdesk.ErrorCode]int{
		helpdesk.CodeConflict:  http.StatusConflict,
		helpdesk.CodeForbidden: http.StatusForbidden,
		helpdesk.CodeInvalid:   http.StatusBadRequest,
	}[se.Code]
	if status == 0 {
		status = http.StatusBadRequest
	}
	return problem(r, status, se.Field, se.Message, se.English)
}

// visibleCase resolves {ref} and checks the caller may see the case; a
// case the caller may not see answers 404, as if it did not exist.
func (s *Server) visibleCase(r *http.Request) (helpdesk.Case, *Problem) {
	notFound := problem(r, http.StatusNotFound, "", "saken finnes ikke", "no such case")
	id, err := s.resolveRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		if errors.Is(err, errNoCase) {
			return helpdesk.Case{}, notFound
		}
		s.log.ErrorContext(r.Context(), "resolve reference", "ref", r.PathValue("ref"), "error", err)
		return helpdesk.Case{}, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred")
	}
	c, err := s.loadCase(r.Context(), id)
	if err != nil {
		if errors.Is(err, errNoCase) {
			return helpdesk.Case{}, notFound
		}
		s.log.ErrorContext(r.Context(), "load case", "case", id, "error", err)
		return helpdesk.Case{}, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred")
	}
	if !s.actor(r).CanSee(c) {
		return helpdesk.Case{}, notFound
	}
	logctx.SetCaseRef(r.Context(), c.Reference)
	return c, nil
}

var errNoCase = audit.ErrNoCase

// resolveRef turns a UUID or a BH-reference into a case ID
// (internal/audit, shared with the offline audit tools).
func (s *Server) resolveRef(ctx context.Context, ref string) (string, error) {
	return audit.ResolveRef(ctx, s.store, ref)
}

// loadCase folds a case from its stream: the record is the truth, and an
// append happens before the workflow moves on, so this is never stale.
func (s *Server) loadCase(ctx context.Context, id string) (helpdesk.Case, error) {
	evs, err := s.store.ReadStream(ctx, helpdesk.Stream(id), 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return helpdesk.Case{}, errNoCase
	}
	if err != nil {
		return helpdesk.Case{}, err
	}
	return fold(evs)
}

// fold is the one fold of a case's events (internal/audit).
func fold(evs []eventstore.RecordedEvent) (helpdesk.Case, error) { return audit.Fold(evs) }

// correlationID is the request's correlation ID (api/middleware.go
// chooses it once per request); it travels into the workflow and the
// record's metadata.
func correlationID(r *http.Request) string {
	if id := logctx.CorrelationID(r.Context()); id != "" {
		return id
	}
	return requestCorrelationID(r)
}

// today is the date in Oslo, as user-management requests are dated.
func today() string { return time.Now().In(helpdesk.Oslo).Format(time.DateOnly) }

// userManagementInput reads a manager's request about an employee: only a
// manager of the employee's unit (or, for a new user, of the unit) may ask.
func (s *Server) userManagementInput(w http.ResponseWriter, r *http.Request, kind helpdesk.Kind, actor helpdesk.Actor) (workflows.CaseInput, *Problem) {
	notManager := func(unit string) *Problem {
		return problem(r, http.StatusForbidden, "", "bare en leder for enheten "+unit+" kan be om dette", "only a manager of unit "+unit+" may ask for this")
	}
	employeeUnit := func(username string) (string, *Problem) {
		u, ok := s.dir.User(username)
		if !ok {
			return "", problem(r, http.StatusBadRequest, "employee", "ukjent ansatt", "unknown employee")
		}
		if !s.dir.Manages(actor.Username, u.Unit) {
			return "", notManager(u.Unit)
		}
		return u.Unit, nil
	}
	switch kind {
	case helpdesk.KindESAAccess:
		var req helpdesk.ESARequest
		if p := decode(w, r, &req, false); p != nil {
			return workflows.CaseInput{}, p
		}
		if err := req.Normalize(today()); err != nil {
			return workflows.CaseInput{}, stepProblem(r, err)
		}
		if _, p := employeeUnit(req.Employee); p != nil {
			return workflows.CaseInput{}, p
		}
		return workflows.CaseInput{ESA: s.esaInput(req, actor)}, nil
	case helpdesk.KindDeparture:
		var req helpdesk.DepartureRequest
		if p := decode(w, r, &req, false); p != nil {
			return workflows.CaseInput{}, p
		}
		if err := req.Normalize(today()); err != nil {
			return workflows.CaseInput{}, stepProblem(r, err)
		}
		if _, p := employeeUnit(req.Employee); p != nil {
			return workflows.CaseInput{}, p
		}
		if req.MailboxForwardTo != "" {
			if _, ok := s.dir.User(req.MailboxForwardTo); !ok {
				return workflows.CaseInput{}, problem(r, http.StatusBadRequest, "mailboxForwardTo", "ukjent bruker", "unknown user")
			}
		}
		u, _ := s.dir.User(req.Employee)
		return workflows.CaseInput{Departure: &workflows.DepartureInput{Request: req, DisplayName: u.DisplayName}}, nil
	default: // new-user
		var req helpdesk.NewUserRequest
		if p := decode(w, r, &req, false); p != nil {
			return workflows.CaseInput{}, p
		}
		if err := req.Normalize(today(), s.catalog); err != nil {
			return workflows.CaseInput{}, stepProblem(r, err)
		}
		if !s.dir.HasUnit(req.Unit) {
			return workflows.CaseInput{}, problem(r, http.StatusBadRequest, "unit", "ukjent enhet", "unknown unit")
		}
		if !s.dir.Manages(actor.Username, req.Unit) {
			return workflows.CaseInput{}, notManager(req.Unit)
		}
		in := &workflows.NewUserInput{Request: req}
		if e := req.ESAAccess; e != nil {
			in.ESA = s.esaInput(helpdesk.ESARequest{Kind: helpdesk.KindESAAccess, Role: e.Role, Units: e.Units, AccessCodes: e.AccessCodes,
				Justification: "Ny ansatt: " + req.DisplayName() + ", " + req.JobTitle, ValidFrom: req.StartDate, ValidTo: req.EndDate}, actor)
		}
		return workflows.CaseInput{NewUser: in}, nil
	}
}

// esaInput looks up who approves an ESA request: the system owner (never
// the requester), the service owner for sensitive codes and as fallback.
func (s *Server) esaInput(req helpdesk.ESARequest, actor helpdesk.Actor) *workflows.ESAInput {
	fallback := s.dir.FallbackApprover()
	owner := s.dir.WithRole(helpdesk.RoleESAOwner)
	if owner == "" || owner == actor.Username {
		owner = fallback
	}
	return &workflows.ESAInput{Request: req, Access: req.Access(actor.Username, s.policy.SensitiveAccessCodes),
		Owner: owner, Second: fallback, Fallback: fallback}
}
