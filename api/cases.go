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

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// fingerprint is the hash of a create request's body: the same
// Idempotency-Key with another body is refused.
func fingerprint(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

func (s *Server) handleCreateCase(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeProblem(w, problem(r, http.StatusRequestEntityTooLarge, "", "forespørselen er større enn 1 MiB", "the request body is larger than 1 MiB"))
		return
	}
	n, p := readNewCase(w, r, raw)
	if p != nil {
		writeProblem(w, p)
		return
	}
	c, err := s.desk.OpenCase(r.Context(), s.actor(r), n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.Reference)
	writeJSON(w, http.StatusCreated, c)
}

// readNewCase reads a create request by its kind, strictly (unknown
// fields are refused): the shape is this door's to check, everything
// else the desk's.
func readNewCase(w http.ResponseWriter, r *http.Request, raw []byte) (desk.NewCase, *Problem) {
	if !isJSON(r.Header.Get("Content-Type")) {
		return desk.NewCase{}, problem(r, http.StatusUnsupportedMediaType, "", "forespørselen må være JSON (Content-Type: application/json)", "the request body must be JSON (Content-Type: application/json)")
	}
	var peek struct {
		Kind helpdesk.Kind `json:"kind"`
	}
	if err := json.Unmarshal(raw, &peek); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return desk.NewCase{}, problem(r, http.StatusBadRequest, typeErr.Field, fmt.Sprintf("feltet %q har feil type", typeErr.Field), fmt.Sprintf("field %q has the wrong type", typeErr.Field))
		}
		return desk.NewCase{}, problem(r, http.StatusBadRequest, "", "forespørselen er ikke gyldig JSON", "the request body is not valid JSON")
	}
	n := desk.NewCase{Kind: peek.Kind, IdempotencyKey: r.Header.Get("Idempotency-Key"), Fingerprint: fingerprint(raw)}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	var p *Problem
	switch peek.Kind {
	case helpdesk.KindIncident, helpdesk.KindGuidance:
		var b struct {
			helpdesk.OpenRequest
			Attachments []desk.AttachmentRef `json:"attachments"`
		}
		p = decode(w, r, &b, false)
		n.Incident, n.Attachments = &b.OpenRequest, b.Attachments
	case helpdesk.KindOrder:
		n.Order = new(helpdesk.OrderRequest)
		p = decode(w, r, n.Order, false)
	case helpdesk.KindESAAccess:
		n.ESA = new(helpdesk.ESARequest)
		p = decode(w, r, n.ESA, false)
	case helpdesk.KindDeparture:
		n.Departure = new(helpdesk.DepartureRequest)
		p = decode(w, r, n.Departure, false)
	case helpdesk.KindNewUser:
		n.NewUser = new(helpdesk.NewUserRequest)
		p = decode(w, r, n.NewUser, false)
	}
	// Any other kind: the desk says what is wrong with it.
	return n, p
}

func (s *Server) handleGetCase(w http.ResponseWriter, r *http.Request) {
	c, err := s.desk.Case(r.Context(), s.actor(r), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// stepCall takes a step whose body has been read.
type stepCall func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string) (helpdesk.Case, error)

// stepSpec is one case step: how its body is read (unknown fields are
// refused) into the desk's call.
type stepSpec struct {
	read func(w http.ResponseWriter, r *http.Request) (stepCall, *Problem)
}

// stepWith reads a body of type T and hands it to take. allowEmpty: the
// step takes no fields and accepts no body or an empty object.
func stepWith[T any](allowEmpty bool, take func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, b T) (helpdesk.Case, error)) stepSpec {
	return stepSpec{read: func(w http.ResponseWriter, r *http.Request) (stepCall, *Problem) {
		var b T
		if p := decode(w, r, &b, allowEmpty); p != nil {
			return nil, p
		}
		return func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string) (helpdesk.Case, error) {
			return take(ctx, d, a, ref, b)
		}, nil
	}}
}

type none struct{}

// steps maps the last path element of POST /cases/{ref}/<step>.
var steps = map[string]stepSpec{
	"claim": stepWith(true, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, _ none) (helpdesk.Case, error) {
		return d.Claim(ctx, a, ref)
	}),
	"assign": stepWith(false, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, b struct {
		Assignee string `json:"assignee"`
		Group    string `json:"group"`
	}) (helpdesk.Case, error) {
		return d.Assign(ctx, a, ref, desk.Assignment{Assignee: b.Assignee, Group: b.Group})
	}),
	"comment": stepWith(false, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, b struct {
		Body        string               `json:"body"`
		Internal    bool                 `json:"internal"`
		Attachments []desk.AttachmentRef `json:"attachments"`
	}) (helpdesk.Case, error) {
		return d.Comment(ctx, a, ref, desk.Note{Body: b.Body, Internal: b.Internal, Attachments: b.Attachments})
	}),
	"request-info": stepWith(false, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, b struct {
		Question string `json:"question"`
	}) (helpdesk.Case, error) {
		return d.RequestInfo(ctx, a, ref, b.Question)
	}),
	"reply": stepWith(false, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, b struct {
		Body        string               `json:"body"`
		Attachments []desk.AttachmentRef `json:"attachments"`
	}) (helpdesk.Case, error) {
		return d.Reply(ctx, a, ref, b.Body, b.Attachments)
	}),
	"resolve": stepWith(false, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, b struct {
		Resolution string `json:"resolution"`
	}) (helpdesk.Case, error) {
		return d.Resolve(ctx, a, ref, b.Resolution)
	}),
	"confirm": stepWith(true, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, _ none) (helpdesk.Case, error) {
		return d.Confirm(ctx, a, ref)
	}),
	"link": stepWith(false, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, b struct {
		Announcement string `json:"announcement"`
	}) (helpdesk.Case, error) {
		return d.Link(ctx, a, ref, b.Announcement)
	}),
	"reopen": stepWith(false, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, b struct {
		Reason string `json:"reason"`
	}) (helpdesk.Case, error) {
		return d.Reopen(ctx, a, ref, b.Reason)
	}),
	"cancel": stepWith(false, func(ctx context.Context, d *desk.Desk, a helpdesk.Actor, ref string, b struct {
		Reason string `json:"reason"`
	}) (helpdesk.Case, error) {
		return d.Cancel(ctx, a, ref, b.Reason)
	}),
}

// handleStep answers POST /cases/{ref}/<step> with the case as the
// workflow has it after the step (read-your-writes).
func (s *Server) handleStep(w http.ResponseWriter, r *http.Request) {
	spec, ok := steps[r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]]
	if !ok {
		writeProblem(w, problem(r, http.StatusNotFound, "", "ukjent steg", "no such step"))
		return
	}
	take, p := spec.read(w, r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	c, err := take(r.Context(), s.desk, s.actor(r), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
