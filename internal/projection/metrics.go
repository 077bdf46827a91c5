package projection

import (
	"context"
	"time"

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
