package projection

import (
	"context"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"

	"github.com/prometheus/client_golang/prometheus"
)

// Collectors expose the projector's progress on /metrics: the position
// it has reached, events it had to poison, and whether it runs.
func (p *Projector) Collectors() []prometheus.Collector {
	status := func() Status {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s, _ := p.Status(ctx)
		return s
	}
	return []prometheus.Collector{
		p.live.lag, p.live.sla,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "brukerhjelp_projection_position",
			Help: "Global position of the last event the read model has applied."},
			func() float64 { return float64(status().Position) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "brukerhjelp_projection_poisoned_events",
			Help: "Events the projector could not apply and set aside (the read model misses them until rebuilt)."},
			func() float64 { return float64(status().Poisoned) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "brukerhjelp_projection_active",
			Help: "1 while this process's projector holds the read model's lease and keeps it; 0 while it stands by."},
			func() float64 {
				if p.active.Load() {
					return 1
				}
				return 0
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "brukerhjelp_projection_running",
			Help: "1 while the projector runs."},
			func() float64 {
				if p.running.Load() {
					return 1
				}
				return 0
			}),
	}
}

// liveMetrics describe the events the projector applies live (one by one,
// through the router), not those of a catch-up or rebuild: how long after
// its recording each event reached the read model, and the SLA warnings
// and breaches as they happen.
type liveMetrics struct {
	lag *prometheus.HistogramVec
	sla *prometheus.CounterVec
}

func newLiveMetrics() liveMetrics {
	return liveMetrics{
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "brukerhjelp_projection_lag_seconds",
			Help:    "Time from an event's recording to its commit in the read model (live events).",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .2, .5, 1, 2, 5, 10}}, nil),
		sla: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "brukerhjelp_sla_events_total",
			Help: "SLA warnings (75 %) and breaches (100 %) recorded on cases, as the projector sees them live."}, []string{"level"}),
	}
}

// observe counts ev, applied to the read model at now.
func (m liveMetrics) observe(ev eventstore.RecordedEvent, now time.Time) {
	if !ev.RecordedAt.IsZero() {
		m.lag.WithLabelValues().Observe(now.Sub(ev.RecordedAt).Seconds())
	}
	switch ev.Type {
	case helpdesk.SLAWarned{}.EventType():
		m.sla.WithLabelValues("warning").Inc()
	case helpdesk.SLABreached{}.EventType():
		m.sla.WithLabelValues("breach").Inc()
	}
}
