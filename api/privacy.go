package api

import (
	"context"
	"io"
	"net/http"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Personal data (docs/PRIVACY.md): a person's own data, erasure on
// request, legal holds, and the Temporal payload codec for operators'
// tools. The desk decides everything; these handlers read and answer.

// peopleList is the answer of GET /api/v1/people.
type peopleList struct {
	Items []desk.Profile `json:"items"`
}

func (s *Server) handleFindPeople(w http.ResponseWriter, r *http.Request) {
	q, p := strictQuery(r, "q")
	if p != nil {
		writeProblem(w, p)
		return
	}
	found, err := s.desk.FindPeople(r.Context(), s.actor(r), q.Get("q"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, peopleList{Items: found})
}

func (s *Server) handlePersonData(w http.ResponseWriter, r *http.Request) {
	d, err := s.desk.PersonData(r.Context(), s.actor(r), r.PathValue("username"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleErasePerson(w http.ResponseWriter, r *http.Request) {
	var body struct{}
	if p := decode(w, r, &body, true); p != nil {
		writeProblem(w, p)
		return
	}
	rep, err := s.desk.ErasePerson(r.Context(), s.actor(r), r.PathValue("username"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) handleGetLegalHold(w http.ResponseWriter, r *http.Request) {
	h, err := s.desk.LegalHoldOf(r.Context(), s.actor(r), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// holdBody is the body of setting or lifting a hold.
type holdBody struct {
	Reason string `json:"reason"`
}

func (s *Server) handleSetLegalHold(w http.ResponseWriter, r *http.Request) {
	s.changeHold(w, r, s.desk.SetLegalHold)
}

func (s *Server) handleLiftLegalHold(w http.ResponseWriter, r *http.Request) {
	s.changeHold(w, r, s.desk.LiftLegalHold)
}

func (s *Server) changeHold(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, a helpdesk.Actor, ref, reason string) (desk.CaseHold, error)) {
	var body holdBody
	if p := decode(w, r, &body, false); p != nil {
		writeProblem(w, p)
		return
	}
	h, err := change(r.Context(), s.actor(r), r.PathValue("ref"), body.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// maxPayloads bounds what the codec reads: a history's payloads are at
// most 2 MB each, and the Web UI sends a few at a time.
const maxPayloads = 8 << 20

// handleCodec is the Temporal payload codec (POST /api/v1/codec/decode
// and /encode) for the Temporal Web UI and CLI: the desk lets only
// operations use it and records every use as a read. The Web UI calls it
// from the browser, from its own origin (TEMPORAL_UI_ORIGIN), with the
// operator's token.
func (s *Server) handleCodec(w http.ResponseWriter, r *http.Request) {
	s.allowUIOrigin(w, r)
	if !isJSON(r.Header.Get("Content-Type")) {
		writeProblem(w, problem(r, http.StatusUnsupportedMediaType, "", "forespørselen må være JSON (Content-Type: application/json)", "the request body must be JSON (Content-Type: application/json)"))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayloads))
	if err != nil {
		writeProblem(w, problem(r, http.StatusRequestEntityTooLarge, "", "forespørselen er større enn 8 MiB", "the request body is larger than 8 MiB"))
		return
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(raw, &in); err != nil {
		writeProblem(w, problem(r, http.StatusBadRequest, "payloads", "payloads er ikke Temporal-payloads i JSON", "payloads are not Temporal payloads in JSON"))
		return
	}
	codec, err := s.desk.TemporalCodec(r.Context(), s.actor(r), r.Header.Get("X-Namespace"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := in.GetPayloads()
	if r.PathValue("op") == "encode" {
		out, err = codec.Encode(out)
	} else {
		out, err = codec.Decode(out)
	}
	if err != nil {
		// A payload of another key, or not ours: say so, it is no secret.
		writeProblem(w, problem(r, http.StatusBadRequest, "payloads", "kan ikke dekodes: "+err.Error(), "cannot be decoded: "+err.Error()))
		return
	}
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// handleCodecPreflight answers the browser's CORS preflight of the Web
// UI's codec calls: allowed only from TEMPORAL_UI_ORIGIN.
func (s *Server) handleCodecPreflight(w http.ResponseWriter, r *http.Request) {
	if !s.allowUIOrigin(w, r) {
		writeProblem(w, problem(r, http.StatusForbidden, "", "denne opprinnelsen får ikke bruke kodeken", "this origin may not use the codec"))
		return
	}
	w.Header().Set("Access-Control-Allow-Methods", "POST")
	w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// allowUIOrigin lets the Temporal Web UI's origin read the answer.
func (s *Server) allowUIOrigin(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if s.uiOrigin == "" || origin != s.uiOrigin {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Set("Access-Control-Allow-Credentials", "true")
	w.Header().Add("Vary", "Origin")
	return true
}
