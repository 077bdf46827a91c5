package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Announcements: operations post maintenance notices and outages
// (docs/ANNOUNCEMENTS.md). One announcement is read from the record (its
// stream folded), so it is never stale; the list comes from the read
// model.

// AnnouncementLister serves GET /announcements; *readmodel.DB implements
// it.
type AnnouncementLister interface {
	ListAnnouncements(ctx context.Context, f readmodel.AnnouncementFilter) ([]helpdesk.Announcement, error)
}

// announcementList is the answer of GET /api/v1/announcements.
type announcementList struct {
	Items []helpdesk.Announcement `json:"items"`
}

// announcementNamespace derives announcement IDs from Idempotency-Key
// headers (apart from case IDs).
var announcementNamespace = uuid.MustParse("5c1f0a3e-9b2d-5e47-8a61-3d2c4b5a6f70")

func (s *Server) handleCreateAnnouncement(w http.ResponseWriter, r *http.Request) {
	user := userFrom(r.Context())
	actor := s.actor(r)
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeProblem(w, problem(r, http.StatusRequestEntityTooLarge, "", "forespørselen er større enn 1 MiB", "the request body is larger than 1 MiB"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	var req helpdesk.AnnouncementRequest
	if p := decode(w, r, &req, false); p != nil {
		writeProblem(w, p)
		return
	}
	startsAt, endsAt, err := req.Normalize()
	if err != nil {
		writeProblem(w, stepProblem(r, err))
		return
	}
	if endsAt != nil && !endsAt.After(time.Now()) {
		writeProblem(w, problem(r, http.StatusBadRequest, "endsAt", "endsAt er passert", "endsAt has passed"))
		return
	}
	hash, id, p := creation(r, raw, announcementNamespace, user.Username)
	if p != nil {
		writeProblem(w, p)
		return
	}
	in := workflows.AnnouncementInput{AnnouncementID: id.String(), Request: req, StartsAt: startsAt, EndsAt: endsAt, Actor: actor,
		RequestHash: hash, CorrelationID: correlationID(r), Calendar: s.calendar()}
	ctx, cancel := context.WithTimeout(r.Context(), stepTimeout)
	defer cancel()
	start := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.AnnouncementWorkflowID(in.AnnouncementID),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.AnnouncementWorkflowName, in)
	h, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: workflows.UpdatePublished, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	var view workflows.AnnouncementView
	if err == nil {
		err = h.Get(ctx, &view)
	}
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			// The same key was used for an announcement that has ended.
			if a, lerr := s.loadAnnouncement(ctx, in.AnnouncementID); lerr == nil {
				writeJSON(w, http.StatusCreated, a.VisibleTo(actor))
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
	w.Header().Set("Location", "/api/v1/announcements/"+view.Announcement.ID)
	writeJSON(w, http.StatusCreated, view.Announcement.VisibleTo(actor))
}

// calendar is the service calendar announcements are reminded on: the
// one cases run under.
func (s *Server) calendar() calendar.Config { return s.policy.Calendar }

func (s *Server) handleListAnnouncements(w http.ResponseWriter, r *http.Request) {
	q, p := strictQuery(r, "active", "limit")
	if p != nil {
		writeProblem(w, p)
		return
	}
	f := readmodel.AnnouncementFilter{At: time.Now()}
	switch v := q.Get("active"); v {
	case "":
	case "true", "false":
		active := v == "true"
		f.Active = &active
	default:
		writeProblem(w, badParam(r, "active", "active må være true eller false", "active must be true or false"))
		return
	}
	n, p := queryLimit(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	f.Limit = n
	if s.announcements == nil {
		writeProblem(w, listsUnavailable(r))
		return
	}
	items, err := s.announcements.ListAnnouncements(r.Context(), f)
	if err != nil {
		s.internalError(w, r, "list announcements", err)
		return
	}
	actor := s.actor(r)
	for i, a := range items {
		items[i] = a.VisibleTo(actor)
	}
	writeJSON(w, http.StatusOK, announcementList{Items: items})
}

func (s *Server) handleGetAnnouncement(w http.ResponseWriter, r *http.Request) {
	a, p := s.announcementAt(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	writeJSON(w, http.StatusOK, a.VisibleTo(s.actor(r)))
}

func (s *Server) handleResolveAnnouncement(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Comment string `json:"comment"`
	}
	if p := decode(w, r, &body, true); p != nil {
		writeProblem(w, p)
		return
	}
	a, p := s.announcementAt(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	actor := s.actor(r)
	// The record decides what it can (already resolved, not an outage)
	// before the workflow is asked; the workflow decides again.
	if _, err := a.Resolve(actor, body.Comment); err != nil {
		writeProblem(w, stepProblem(r, err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), stepTimeout)
	defer cancel()
	h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflows.AnnouncementWorkflowID(a.ID),
		UpdateName:   workflows.UpdateResolveOutage,
		Args:         []any{workflows.AnnouncementStepInput{Actor: actor, Comment: body.Comment, CorrelationID: correlationID(r)}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var view workflows.AnnouncementView
	if err == nil {
		err = h.Get(ctx, &view)
	}
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			writeProblem(w, problem(r, http.StatusConflict, "", "driftsavbruddet er allerede avsluttet", "the outage is already resolved"))
			return
		}
		s.workflowFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.Announcement.VisibleTo(actor))
}

var errNoAnnouncement = errors.New("no such announcement")

// announcementAt resolves {id} to the announcement on the record; 404
// when there is none.
func (s *Server) announcementAt(r *http.Request) (helpdesk.Announcement, *Problem) {
	a, err := s.loadAnnouncement(r.Context(), r.PathValue("id"))
	if errors.Is(err, errNoAnnouncement) {
		return a, problem(r, http.StatusNotFound, "", "meldingen finnes ikke", "no such announcement")
	}
	if err != nil {
		s.log.Error("load announcement", "id", r.PathValue("id"), "error", err)
		return a, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred")
	}
	return a, nil
}

// loadAnnouncement folds an announcement from its stream.
func (s *Server) loadAnnouncement(ctx context.Context, id string) (helpdesk.Announcement, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return helpdesk.Announcement{}, errNoAnnouncement
	}
	evs, err := s.store.ReadStream(ctx, helpdesk.AnnouncementStream(u.String()), 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return helpdesk.Announcement{}, errNoAnnouncement
	}
	if err != nil {
		return helpdesk.Announcement{}, err
	}
	a := helpdesk.NewAnnouncement()
	for _, e := range evs {
		ev, err := helpdesk.DecodeAnnouncementEvent(e.Type, e.Data)
		if err != nil {
			return a, err
		}
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			return a, err
		}
		a.Apply(ev, m, int64(e.Revision))
	}
	if a.ID == "" {
		return a, errNoAnnouncement
	}
	return a, nil
}

// activeOutage looks up the outage a case is to be linked to: it must
// exist, be an outage and be in effect now; otherwise 400 naming the
// announcement field.
func (s *Server) activeOutage(r *http.Request, id string) (helpdesk.AnnouncementLink, *Problem) {
	if id == "" {
		return helpdesk.AnnouncementLink{}, problem(r, http.StatusBadRequest, "announcement", "announcement mangler", "announcement is required")
	}
	a, err := s.loadAnnouncement(r.Context(), id)
	if errors.Is(err, errNoAnnouncement) {
		return helpdesk.AnnouncementLink{}, problem(r, http.StatusBadRequest, "announcement", "ukjent driftsmelding", "unknown announcement")
	}
	if err != nil {
		s.log.Error("load announcement", "id", id, "error", err)
		return helpdesk.AnnouncementLink{}, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred")
	}
	if a.Kind != helpdesk.AnnouncementOutage || !a.ActiveAt(time.Now()) {
		return helpdesk.AnnouncementLink{}, problem(r, http.StatusBadRequest, "announcement",
			"saker kan bare knyttes til et aktivt driftsavbrudd", "cases can only be linked to an active outage")
	}
	return helpdesk.AnnouncementLink{ID: a.ID, Reference: a.Reference, Title: a.Title}, nil
}
