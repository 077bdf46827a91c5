package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// ExplainSLA explains the case's SLA interval by interval: when the clock
// ran in service hours, ran out of hours, or paused waiting for the user,
// and when it warned, breached, was met or stopped. NotFound for a case
// without an SLA. The read is recorded.
func (d *Desk) ExplainSLA(ctx context.Context, actor helpdesk.Actor, ref string) (SLAExplanation, error) {
	if err := Authorize(actor, ActionSLA); err != nil {
		return SLAExplanation{}, err
	}
	c, err := d.visibleCase(ctx, actor, ref)
	if err != nil {
		return SLAExplanation{}, err
	}
	if c.SLA == nil {
		return SLAExplanation{}, notFound("saken har ingen SLA", "the case has no SLA")
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadSLA, caseID: c.ID, ref: ref}); err != nil {
		return SLAExplanation{}, err
	}
	evs, err := d.record.ReadStream(ctx, helpdesk.Stream(c.ID), 0, 0)
	if err != nil {
		return SLAExplanation{}, fmt.Errorf("desk: read sla of %s: %w", c.ID, err)
	}
	cal, err := calendar.New(d.policy.Calendar)
	if err != nil {
		return SLAExplanation{}, fmt.Errorf("desk: calendar: %w", err)
	}
	return explainSLA(evs, cal, d.now()), nil
}

// SLAInterval is one stretch of a case's life as its SLA saw it.
type SLAInterval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// State is running (service time counted), out-of-hours (the clock
	// runs but the help desk is closed), or paused (waiting for the user).
	State          string  `json:"state"`
	ServiceMinutes float64 `json:"serviceMinutes"`
}

// SLAMilestone is a moment the SLA reached: warned, breached, responded or stopped.
type SLAMilestone struct {
	At    time.Time         `json:"at"`
	Type  string            `json:"type"` // warned, breached, responded, stopped
	Clock helpdesk.SLAClock `json:"clock,omitempty"`
	Due   *time.Time        `json:"due,omitempty"`
}

// SLAExplanation is a case's SLA explained (GET /cases/{ref}/sla).
type SLAExplanation struct {
	Priority         helpdesk.Priority `json:"priority"`
	ResponseTarget   float64           `json:"responseTargetHours"`
	ResolutionTarget float64           `json:"resolutionTargetHours"`
	*helpdesk.SLA
	UsedHours  float64        `json:"usedHours"`
	AsOf       time.Time      `json:"asOf"`
	Intervals  []SLAInterval  `json:"intervals"`
	Milestones []SLAMilestone `json:"milestones"`
}

// explainSLA replays a case's SLA events into intervals a person can check
// by hand: when the clock ran in service hours, ran out of hours, or
// paused, and when it warned, breached, was met or stopped.
func explainSLA(evs []eventstore.RecordedEvent, cal *calendar.Calendar, now time.Time) SLAExplanation {
	var out SLAExplanation
	c := helpdesk.NewCase()
	var segStart time.Time
	var segState string // "", "running" or "paused"
	closeSegment := func(end time.Time) {
		if segState == "" || !end.After(segStart) {
			return
		}
		if segState == "paused" {
			out.Intervals = append(out.Intervals, SLAInterval{Start: segStart, End: end, State: "paused"})
			return
		}
		for _, iv := range cal.Intervals(segStart, end) {
			si := SLAInterval{Start: iv.Start, End: iv.End, State: "out-of-hours"}
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
			out.Milestones = append(out.Milestones, SLAMilestone{At: at, Type: "stopped", Clock: helpdesk.ClockResolution})
		case helpdesk.SLAResponded:
			out.Milestones = append(out.Milestones, SLAMilestone{At: at, Type: "responded", Clock: helpdesk.ClockResponse})
		case helpdesk.SLAWarned:
			due := ev.Due
			out.Milestones = append(out.Milestones, SLAMilestone{At: at, Type: "warned", Clock: ev.Clock, Due: &due})
		case helpdesk.SLABreached:
			due := ev.Due
			out.Milestones = append(out.Milestones, SLAMilestone{At: at, Type: "breached", Clock: ev.Clock, Due: &due})
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
		out.Intervals = []SLAInterval{}
	}
	if out.Milestones == nil {
		out.Milestones = []SLAMilestone{}
	}
	return out
}
