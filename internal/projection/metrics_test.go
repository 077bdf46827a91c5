package projection

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// What the service owner's dashboards read: each SLA warning and breach
// the projector applies live counts once, and every live event's way from
// the record to the read model is timed.
func TestLiveEventsFeedTheSLAAndLagMetrics(t *testing.T) {
	w := newWorld(t)
	p, _ := w.start(w.rm, nil)
	due := w.clock.Add(time.Hour)
	w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Skriveren", Priority: helpdesk.PriorityHigh, Reporter: "ola", CreatedBy: "ola"}).
		then("ola", helpdesk.SLAStarted{Priority: helpdesk.PriorityHigh, ResponseTarget: time.Hour, ResolutionTarget: 8 * time.Hour,
			ResponseDue: due, ResolutionDue: due.Add(7 * time.Hour)}).
		then("brukerhjelp", helpdesk.SLAWarned{Clock: helpdesk.ClockResponse, Due: due}).
		then("brukerhjelp", helpdesk.SLABreached{Clock: helpdesk.ClockResponse, Due: due}).
		then("brukerhjelp", helpdesk.SLAWarned{Clock: helpdesk.ClockResolution, Due: due})
	w.caughtUp(w.rm)
	// The metrics are counted just after each commit, which the
	// checkpoint shows a moment before: wait for all six events.
	samples := func() uint64 {
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(p.live.lag)
		families, err := reg.Gather()
		if err != nil || len(families) != 1 {
			return 0
		}
		return families[0].GetMetric()[0].GetHistogram().GetSampleCount()
	}
	waitFor(t, "every live event to be timed", func() bool { return samples() >= 6 })

	if got := testutil.ToFloat64(p.live.sla.WithLabelValues("warning")); got != 2 {
		t.Errorf("SLA warnings counted %v, want 2", got)
	}
	if got := testutil.ToFloat64(p.live.sla.WithLabelValues("breach")); got != 1 {
		t.Errorf("SLA breaches counted %v, want 1", got)
	}
	// Six events (the reference, the opening, the SLA start and three
	// SLA events), each timed once.
	if n := testutil.CollectAndCount(p.live.lag); n != 1 {
		t.Fatalf("lag histogram has %d series", n)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(p.live.lag)
	families, err := reg.Gather()
	if err != nil || len(families) != 1 {
		t.Fatalf("gather: %v %v", families, err)
	}
	if n := families[0].GetMetric()[0].GetHistogram().GetSampleCount(); n != 6 {
		t.Errorf("lag histogram has %d samples, want 6", n)
	}
}
