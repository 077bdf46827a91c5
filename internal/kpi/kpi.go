// Package kpi computes the service owner's key figures (API.md section 7)
// from folded cases: how much came in and went out, how old the backlog
// is, how fast the desk answered and resolved in service hours, how well
// it kept its SLAs, how often cases came back, how long approvals took and
// whether new users were ready on their first day.
//
// It works on helpdesk.Case values as the read model stores them and reads
// the SLA facts the case's own events recorded (the same ones GET
// /cases/{ref}/sla explains); it never replays events or decides anything.
// The definitions are in docs/KPI.md.
package kpi

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// ServiceDay is one full service day (07:30–16:00): the unit of backlog
// ages.
const ServiceDay = 8*time.Hour + 30*time.Minute

// Calendar is the service-hours arithmetic the figures are measured in;
// internal/calendar implements it.
type Calendar interface {
	// Between returns the service time in [a, b).
	Between(a, b time.Time) time.Duration
}

// Buckets are the backlog age buckets in service days: [0,1), [1,3),
// [3,5), [5,10) and 10 or more.
var Buckets = []Bucket{
	{Label: "0-1", MinDays: 0, MaxDays: ptr(1)},
	{Label: "1-3", MinDays: 1, MaxDays: ptr(3)},
	{Label: "3-5", MinDays: 3, MaxDays: ptr(5)},
	{Label: "5-10", MinDays: 5, MaxDays: ptr(10)},
	{Label: "10+", MinDays: 10},
}

// None is the key of cases without a priority or a group.
const None = "none"

// Report is the KPI report of one period.
type Report struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// BacklogAt is the instant the backlog is measured at: To, or now if
	// To is still to come.
	BacklogAt       time.Time `json:"backlogAt"`
	ServiceDayHours float64   `json:"serviceDayHours"`
	Total           Figures   `json:"total"`
	ByKind          []Row     `json:"byKind"`
	ByPriority      []Row     `json:"byPriority"`
	ByGroup         []Row     `json:"byGroup"`
}

// Row is the figures of one kind, priority or group.
type Row struct {
	Key string `json:"key"`
	Figures
}

// Figures are the KPIs of one set of cases.
type Figures struct {
	// Opened: cases created in the period.
	Opened int `json:"opened"`
	// Resolved: cases resolved (access: granted) in the period.
	Resolved int `json:"resolved"`
	// Backlog: cases open at BacklogAt, by age in service days.
	Backlog Backlog `json:"backlog"`
	// FirstResponseHours: service hours from opening to the first
	// response, of cases (with an SLA) first answered in the period.
	FirstResponseHours Stats `json:"firstResponseHours"`
	// ResolutionHours: service hours to resolution of cases resolved in
	// the period; the SLA clock's time (pauses excluded) where there is
	// one.
	ResolutionHours Stats `json:"resolutionHours"`
	// ResponseWithinTarget: of the first responses in the period, those
	// within the response target.
	ResponseWithinTarget Share `json:"responseWithinTarget"`
	// ResolutionWithinTarget: of the SLA cases resolved in the period,
	// those within the resolution target.
	ResolutionWithinTarget Share `json:"resolutionWithinTarget"`
	// Reopened: of the cases resolved in the period, those reopened at
	// least once.
	Reopened Share `json:"reopened"`
	// ApprovalLeadHours: service hours from an approval task's opening to
	// its decision, of approvals decided in the period.
	ApprovalLeadHours Stats `json:"approvalLeadHours"`
	// NewUsersReady: of the new users starting in the period whose
	// readiness was reported, those with everything ready.
	NewUsersReady Share `json:"newUsersReady"`
}

// Stats summarises durations in service hours. Median and P90 are
// nearest-rank percentiles (a value that occurred), null without values.
type Stats struct {
	Count  int      `json:"count"`
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
}

// Share is Count out of Of; Rate is their ratio, null when Of is 0.
type Share struct {
	Count int      `json:"count"`
	Of    int      `json:"of"`
	Rate  *float64 `json:"rate"`
}

// Backlog is the open cases by age.
type Backlog struct {
	Total   int      `json:"total"`
	Buckets []Bucket `json:"buckets"`
}

// Bucket counts open cases aged MinDays up to (not including) MaxDays
// service days; MaxDays is null for the last, open-ended bucket.
type Bucket struct {
	Label   string `json:"label"`
	MinDays int    `json:"minDays"`
	MaxDays *int   `json:"maxDays"`
	Count   int    `json:"count"`
}

// MaxPeriodDays bounds a report's period (the desk refuses a longer one,
// and a rebuilt read model prepares this many days back).
const MaxPeriodDays = 3660

// Builder accumulates cases into a Report.
type Builder struct {
	from, to, backlogAt time.Time
	cal                 Calendar
	total               *acc
	byKind, byPriority  map[string]*acc
	byGroup             map[string]*acc
	// sets are the accumulators each Keys counts in, once looked up.
	sets map[Keys]*[4]*acc
}

// NewBuilder starts the report of [from, to); the backlog is measured at
// to, or at now if to is later.
func NewBuilder(from, to, now time.Time, cal Calendar) *Builder {
	at := to
	if now.Before(at) {
		at = now
	}
	return &Builder{from: from, to: to, backlogAt: at, cal: cal, total: newAcc(),
		byKind: map[string]*acc{}, byPriority: map[string]*acc{}, byGroup: map[string]*acc{}, sets: map[Keys]*[4]*acc{}}
}

// Compute is the report of cases over [from, to).
func Compute(from, to, now time.Time, cal Calendar, cases []helpdesk.Case) Report {
	b := NewBuilder(from, to, now, cal)
	for _, c := range cases {
		b.Add(c)
	}
	return b.Report()
}

// acc accumulates one set of cases.
type acc struct {
	f                                  Figures
	buckets                            []int
	response, resolution, approvalLead []float64
}

func newAcc() *acc { return &acc{buckets: make([]int, len(Buckets))} }

// contribution is what one case adds to every set it belongs to.
type contribution struct {
	opened, resolved        bool
	backlogBucket           int // -1: not in the backlog
	hasResponse, hasResol   bool
	response, resolution    float64 // hours, when has…
	respWithin, respOf      int
	resWithin, resOf        int
	reopened, reopenOf      int
	approvalLead            []float64
	newUserReady, newUserOf int
}

func (c contribution) empty() bool {
	return !c.opened && !c.resolved && c.backlogBucket < 0 && !c.hasResponse && !c.hasResol &&
		c.respOf == 0 && c.resOf == 0 && c.reopenOf == 0 && len(c.approvalLead) == 0 && c.newUserOf == 0
}

func (b *Builder) in(t time.Time) bool {
	return !t.IsZero() && !t.Before(b.from) && t.Before(b.to)
}

func (b *Builder) hours(from, to time.Time) float64 { return b.cal.Between(from, to).Hours() }

// DoneAt is when the desk finished a case: its resolution, or for an
// access case the grant; zero while not done (or reopened since).
func DoneAt(c helpdesk.Case) time.Time {
	if !c.ResolvedAt.IsZero() {
		return c.ResolvedAt
	}
	if c.Access != nil && !c.Access.GrantedAt.IsZero() {
		return c.Access.GrantedAt
	}
	return time.Time{}
}

// Add counts one case as folded now.
func (b *Builder) Add(c helpdesk.Case) {
	k := contribution{backlogBucket: -1}
	k.opened = b.in(c.CreatedAt)
	done := DoneAt(c)
	end := done
	if end.IsZero() {
		end = c.ClosedAt
	}
	if !c.CreatedAt.IsZero() && c.CreatedAt.Before(b.backlogAt) && (end.IsZero() || !end.Before(b.backlogAt)) {
		age := b.cal.Between(c.CreatedAt, b.backlogAt)
		k.backlogBucket = bucketOf(age)
	}
	if s := c.SLA; s != nil && s.RespondedAt != nil && b.in(*s.RespondedAt) {
		d := b.cal.Between(c.CreatedAt, *s.RespondedAt)
		k.hasResponse, k.response = true, d.Hours()
		k.respOf = 1
		if !s.ResponseBreached && d <= s.ResponseTarget {
			k.respWithin = 1
		}
	}
	if b.in(done) {
		k.resolved = true
		k.reopenOf = 1
		if c.Reopened > 0 {
			k.reopened = 1
		}
		if s := c.SLA; s != nil && s.Stopped {
			k.hasResol, k.resolution = true, s.Used.Hours()
			k.resOf = 1
			if !s.ResolutionBreached && s.Used <= s.ResolutionTarget {
				k.resWithin = 1
			}
		} else {
			k.hasResol, k.resolution = true, b.hours(c.CreatedAt, done)
		}
	}
	for _, t := range c.Tasks {
		if t.Kind != helpdesk.TaskApproval || t.Status != helpdesk.TaskStatusCompleted || !b.in(t.CompletedAt) {
			continue
		}
		if t.Outcome != helpdesk.OutcomeApproved && t.Outcome != helpdesk.OutcomeRejected {
			continue // expired: nobody decided
		}
		k.approvalLead = append(k.approvalLead, b.hours(t.CreatedAt, t.CompletedAt))
	}
	if n := c.NewUser; n != nil && n.Reported {
		if start, err := time.ParseInLocation(time.DateOnly, n.Request.StartDate, helpdesk.Oslo); err == nil && b.in(start) {
			k.newUserOf = 1
			if n.Ready {
				k.newUserReady = 1
			}
		}
	}
	if k.empty() {
		return
	}
	b.add(Keys{Kind: string(c.Kind), Priority: string(c.Priority), Group: c.Group}, k)
}

// Keys are the rows of the report one case counts in: its kind, priority
// and group (empty ones count as None).
type Keys struct {
	Kind, Priority, Group string
}

func (b *Builder) add(keys Keys, k contribution) {
	sets, ok := b.sets[keys]
	if !ok {
		priority, group := keys.Priority, keys.Group
		if priority == "" {
			priority = None
		}
		if group == "" {
			group = None
		}
		sets = &[4]*acc{b.total}
		for i, m := range []struct {
			sets map[string]*acc
			key  string
		}{{b.byKind, keys.Kind}, {b.byPriority, priority}, {b.byGroup, group}} {
			a, ok := m.sets[m.key]
			if !ok {
				a = newAcc()
				m.sets[m.key] = a
			}
			sets[i+1] = a
		}
		b.sets[keys] = sets
	}
	for _, a := range sets {
		a.add(k)
	}
}

func bucketOf(age time.Duration) int {
	days := float64(age) / float64(ServiceDay)
	for i, bk := range Buckets {
		if bk.MaxDays == nil || days < float64(*bk.MaxDays) {
			return i
		}
	}
	return len(Buckets) - 1
}

func (a *acc) add(k contribution) {
	f := &a.f
	if k.opened {
		f.Opened++
	}
	if k.resolved {
		f.Resolved++
	}
	if k.backlogBucket >= 0 {
		a.buckets[k.backlogBucket]++
	}
	if k.hasResponse {
		a.response = append(a.response, k.response)
	}
	if k.hasResol {
		a.resolution = append(a.resolution, k.resolution)
	}
	a.approvalLead = append(a.approvalLead, k.approvalLead...)
	f.ResponseWithinTarget.Count += k.respWithin
	f.ResponseWithinTarget.Of += k.respOf
	f.ResolutionWithinTarget.Count += k.resWithin
	f.ResolutionWithinTarget.Of += k.resOf
	f.Reopened.Count += k.reopened
	f.Reopened.Of += k.reopenOf
	f.NewUsersReady.Count += k.newUserReady
	f.NewUsersReady.Of += k.newUserOf
}

func (a *acc) figures() Figures {
	f := a.f
	f.Backlog.Buckets = make([]Bucket, len(Buckets))
	for i, bk := range Buckets {
		bk.Count = a.buckets[i]
		f.Backlog.Buckets[i] = bk
		f.Backlog.Total += bk.Count
	}
	f.FirstResponseHours = stats(a.response)
	f.ResolutionHours = stats(a.resolution)
	f.ApprovalLeadHours = stats(a.approvalLead)
	for _, s := range []*Share{&f.ResponseWithinTarget, &f.ResolutionWithinTarget, &f.Reopened, &f.NewUsersReady} {
		if s.Of > 0 {
			s.Rate = ptr(round(float64(s.Count)/float64(s.Of), 4))
		}
	}
	return f
}

// Report returns the figures of every case added.
func (b *Builder) Report() Report {
	r := Report{From: b.from, To: b.to, BacklogAt: b.backlogAt, ServiceDayHours: ServiceDay.Hours(), Total: b.total.figures()}
	kinds := []string{string(helpdesk.KindIncident), string(helpdesk.KindGuidance), string(helpdesk.KindOrder),
		string(helpdesk.KindNewUser), string(helpdesk.KindESAAccess), string(helpdesk.KindDeparture)}
	var priorities []string // the most urgent first
	for _, p := range slices.Backward(helpdesk.Priorities) {
		priorities = append(priorities, string(p))
	}
	priorities = append(priorities, None)
	r.ByKind = rows(b.byKind, kinds)
	r.ByPriority = rows(b.byPriority, priorities)
	r.ByGroup = rows(b.byGroup, nil)
	return r
}

// rows lists the sets in the given order first, then the rest by key.
func rows(sets map[string]*acc, order []string) []Row {
	out := []Row{}
	rank := func(key string) int {
		if i := slices.Index(order, key); i >= 0 {
			return i
		}
		return len(order)
	}
	keys := make([]string, 0, len(sets))
	for k := range sets {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	for _, k := range keys {
		out = append(out, Row{Key: k, Figures: sets[k].figures()})
	}
	return out
}

// stats takes nearest-rank percentiles: the p-th percentile of n sorted
// values is the one at rank ⌈p·n⌉. The two ranks are selected, not
// sorted for: a year at a million cases has a million values.
func stats(v []float64) Stats {
	s := Stats{Count: len(v)}
	if len(v) == 0 {
		return s
	}
	v = slices.Clone(v)
	rank := func(p float64) int { return max(int(math.Ceil(p*float64(len(v)))), 1) - 1 }
	r50, r90 := rank(0.5), rank(0.9)
	// The 90th first: then every value before it is no greater, and the
	// median is among them.
	s.P90 = ptr(round(selectNth(v, r90), 2))
	s.Median = ptr(round(selectNth(v[:r90+1], r50), 2))
	return s
}

// selectNth reorders v so that v[k] is the value sorting would put there,
// those before it no greater and those after no smaller, and returns it
// (quickselect; a sort when the partitions stop shrinking).
func selectNth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for budget := 2 * bits.Len(uint(len(v))); hi-lo > 16; budget-- {
		if budget == 0 {
			slices.Sort(v[lo : hi+1])
			return v[k]
		}
		// Median of three as the pivot, then Hoare's partition.
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k] // between j and i: equal to the pivot
		}
	}
	slices.Sort(v[lo : hi+1])
	return v[k]
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

func ptr[T any](v T) *T { return &v }
