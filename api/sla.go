package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// slaInterval is one stretch of a case's life as its SLA saw it.
type slaInterval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// State is running (service time counted), out-of-hours (the clock
	// runs but the help desk is closed), or paused (waiting for the user).
	State          string  `json:"state"`
	ServiceMinutes float64 `json:"serviceMinutes"`
}

type slaMilestone struct {
	At    time.Time         `json:"at"`
	Type  string            `json:"type"` // warned, breached, responded, stopped
	Clock helpdesk.SLAClock `json:"clock,omitempty"`
	Due   *time.Time        `json:"due,omitempty"`
}

type slaExplanation struct {
	Priority         helpdesk.Priority `json:"priority"`
	ResponseTarget   float64           `json:"responseTargetHours"`
	ResolutionTarget float64           `json:"resolutionTargetHours"`
	*helpdesk.SLA
	UsedHours  float64        `json:"usedHours"`
	AsOf       time.Time      `json:"asOf"`
	Intervals  []slaInterval  `json:"intervals"`
	Milestones []slaMilestone `json:"milestones"`
}

func (s *Server) handleSLA(w http.ResponseWriter, r *http.Request) {
	c, p := s.visibleCase(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	if c.SLA == nil {
		writeProblem(w, problem(r, http.StatusNotFound, "", "saken har ingen SLA", "the case has no SLA"))
		return
	}
	if !s.recordRead(w, r, audit.ReadSLA, c.ID) {
		return
	}
	evs, err := s.store.ReadStream(r.Context(), helpdesk.Stream(c.ID), 0, 0)
	if err != nil {
		s.log.ErrorContext(r.Context(), "read sla", "case", c.ID, "error", err)
		writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
		return
	}
	cal, err := calendar.New(s.policy.Calendar)
	if err != nil {
		s.log.ErrorContext(r.Context(), "calendar", "error", err)
		writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
		return
	}
	writeJSON(w, http.StatusOK, explainSLA(evs, cal, time.Now()))
}

// explainSLA replays a case's SLA events into intervals a person can check
// by hand: when the clock ran in service hours, ran out of hours, or
// paused, and when it warned, breached, was met or stopped.
func explainSLA(evs []eventstore.RecordedEvent, cal *calendar.Calendar, now time.Time) slaExplanation {
	var out slaExplanation
	c := helpdesk.NewCase()
	var segStart time.Time
	var segState string // "", "running" or "paused"
	closeSegment := func(end time.Time) {
		if segState == "" || !end.After(segStart) {
			return
		}
		if segState == "paused" {
			out.Intervals = append(out.Intervals, slaInterval{Start: segStart, End: end, State: "paused"})
			return
		}
		for _, iv := range cal.Intervals(segStart, end) {
			si := slaInterval{Start: iv.Start, End: iv.End, State: "out-of-hours"}
			if iv.Open {
				si.State = "running"
				si.ServiceMinutes = iv.End.Sub(iv.Start).Minutes()
			}
			out.Intervals = append(out.Intervals, si)
		}
	}
	for _, e := range evs {
		ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil {
			continue
		}
		var m helpdesk.Metadata
		_ = json.Unmarshal(e.Metadata, &m)
		c.Apply(ev, m, int64(e.Revision))
		at := m.OccurredAt
		switch ev := ev.(type) {
		case helpdesk.SLAStarted:
			out.Priority = ev.Priority
			out.ResponseTarget = ev.ResponseTarget.Hours()
			out.ResolutionTarget = ev.ResolutionTarget.Hours()
			segStart, segState = at, "running"
		case helpdesk.SLAPaused:
			closeSegment(at)
			segStart, segState = at, "paused"
		case helpdesk.SLAResumed:
			closeSegment(at)
			segStart, segState = at, "running"
		case helpdesk.SLAStopped:
			closeSegment(at)
			segState = ""
			out.Milestones = append(out.Milestones, slaMilestone{At: at, Type: "stopped", Clock: helpdesk.ClockResolution})
		case helpdesk.SLAResponded:
			out.Milestones = append(out.Milestones, slaMilestone{At: at, Type: "responded", Clock: helpdesk.ClockResponse})
		case helpdesk.SLAWarned:
			due := ev.Due
			out.Milestones = append(out.Milestones, slaMilestone{At: at, Type: "warned", Clock: ev.Clock, Due: &due})
		case helpdesk.SLABreached:
			due := ev.Due
			out.Milestones = append(out.Milestones, slaMilestone{At: at, Type: "breached", Clock: ev.Clock, Due: &due})
		}
	}
	closeSegment(now)
	out.SLA = c.SLA
	out.AsOf = now
	used := c.SLA.Used
	if c.SLA.Running() {
		used += cal.Between(c.SLA.RunningSince, now)
	}
	out.UsedHours = used.Hours()
	if out.Intervals == nil {
		out.Intervals = []slaInterval{}
	}
	if out.Milestones == nil {
		out.Milestones = []slaMilestone{}
	}
	return out
}
