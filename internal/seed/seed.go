// Package seed writes a county help desk's years of cases straight into
// the record (brukerhjelp seed), so the read side can be measured at
// scale. Every case and announcement is played the way its workflow
// records it: the same event types and payloads decided by the domain
// (internal/helpdesk), the same streams (case-<id>, reference-<year>,
// person-<username>, announcement-<id>), the same deterministic event IDs
// (eventstore.DeterministicID of the workflow, run and append activity),
// the same SLA reactions and timers on the Norwegian working calendar.
// The record is a function of the options alone: the same seed, number of
// cases, years and last day give the same events in the same order
// (docs/PERFORMANCE.md, "A million cases").
package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/catalog"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

const mailDomain = directory.MailDomain

// MaxCases bounds --cases: ten million cases is some fifty years of a
// large county.
const MaxCases = 10_000_000

// Options say what record to write.
type Options struct {
	Cases int
	Seed  uint64
	// Years the record spans, ending with Until.
	Years int
	// Until is the last day of the record (its date in Oslo counts); the
	// record ends at the close of that day's service hours. Cases still
	// going on then stay open.
	Until time.Time
	// Directory is the organisation (default: the demo organisation).
	Directory *directory.Directory
	// BeforeChunk, if set, is called with the case streams of each chunk
	// before they are appended (the data keys are made for them in bulk).
	BeforeChunk func(ctx context.Context, streams []string) error
	// Progress, if set, gets a line every few seconds.
	Progress io.Writer
	// Workers generating cases in parallel (default GOMAXPROCS).
	Workers int
}

// Check validates the options; the error names the flag.
func (o Options) Check() error {
	switch {
	case o.Cases < 1 || o.Cases > MaxCases:
		return fmt.Errorf("--cases: %d is not a number of cases (1–%d)", o.Cases, MaxCases)
	case o.Years < 1 || o.Years > 30:
		return fmt.Errorf("--years: %d is not a number of years (1–30)", o.Years)
	case o.Until.IsZero():
		return errors.New("--until: no last day")
	}
	return nil
}

// Totals is what was written.
type Totals struct {
	Cases    int                     `json:"cases"`
	Events   int                     `json:"events"`
	ByKind   map[helpdesk.Kind]int   `json:"byKind"`
	ByStatus map[helpdesk.Status]int `json:"byStatus"`
	// Open cases are still going on at the end of the record (new, in
	// progress, waiting, awaiting approval, an access still active): they
	// have no workflow.
	Open      int       `json:"open"`
	OpenTasks int       `json:"openTasks"`
	From      time.Time `json:"from"`
	Until     time.Time `json:"until"`
	// Announcements by kind (maintenance, outage), and the cases linked
	// to an outage.
	Announcements map[string]int `json:"announcements"`
	Linked        int            `json:"linked"`
}

// generator holds what every case is played with.
type generator struct {
	opt         Options
	cal         *calendar.Calendar
	policy      workflows.CasePolicy
	dir         *directory.Directory
	catalog     helpdesk.Catalog
	catalogIDs  []string
	caseworkers map[string][]directory.User
	reporters   []weighted
	orderers    []weighted
	teams       []team
	accessShare float64  // of cases that are ESA access requests
	notices     []notice // operations' announcements, by publishing time
	end         time.Time
	ref         string // the reference of the case being played (per play)
}

type weighted struct {
	u directory.User
	w int
}

func pickWeighted(r *rand.Rand, ws []weighted) directory.User {
	total := 0
	for _, x := range ws {
		total += x.w
	}
	n := r.IntN(total)
	for _, x := range ws {
		if n < x.w {
			return x.u
		}
		n -= x.w
	}
	return ws[len(ws)-1].u
}

func newGenerator(opt Options) (*generator, error) {
	policy := workflows.DefaultCasePolicy()
	cal, err := calendar.New(policy.Calendar)
	if err != nil {
		return nil, err
	}
	dir := opt.Directory
	if dir == nil {
		dir = directory.Demo()
	}
	g := &generator{opt: opt, cal: cal, policy: policy, dir: dir, catalog: catalog.Default(), caseworkers: map[string][]directory.User{}}
	g.catalogIDs = sortedKeys(g.catalog)
	for _, grp := range []string{helpdesk.FirstLineGroup, workflows.GroupService, workflows.GroupArchive} {
		for _, name := range dir.Caseworkers(grp) {
			u, _ := dir.User(name)
			g.caseworkers[grp] = append(g.caseworkers[grp], u)
		}
	}
	// Routed groups of DefaultRoutes must have someone, or their cases
	// would wait forever; the first line must.
	if len(g.caseworkers[helpdesk.FirstLineGroup]) == 0 {
		return nil, fmt.Errorf("--directory: nobody works in group %s", helpdesk.FirstLineGroup)
	}
	for _, u := range dir.Users() {
		if !slices.Contains(u.Roles, helpdesk.RoleEmployee) {
			continue
		}
		w := 6 // the county's staff report most cases
		if slices.Contains(u.Roles, helpdesk.RoleCaseworker) || u.Unit == "it" {
			w = 1
		}
		g.reporters = append(g.reporters, weighted{u, w})
		holder := dir.BudgetHolder(u.Unit)
		if holder == "" || holder == u.Username {
			holder = dir.FallbackApprover()
		}
		if u.Unit != "" && dir.HasUnit(u.Unit) && holder != "" && holder != u.Username {
			g.orderers = append(g.orderers, weighted{u, w})
		}
	}
	if len(g.reporters) == 0 {
		return nil, errors.New("--directory: nobody with the employee role reports cases")
	}
	g.teams = teams(dir)
	g.accessShare = accessShare(g.teams, opt.Years, opt.Cases)
	// The end: the close of service hours on Until (16:00 on a working
	// day), or midnight ending a day the desk is closed.
	d := cal.DateOf(opt.Until)
	if _, closeAt, ok := cal.Hours(d); ok {
		g.end = closeAt
	} else {
		g.end = time.Date(d.Year, d.Month, d.Day, 23, 59, 0, 0, cal.Location())
	}
	return g, nil
}

// days are the noon of the record's first and last day.
func (g *generator) days() (first, last time.Time) {
	endDay := g.cal.DateOf(g.end)
	last = time.Date(endDay.Year, endDay.Month, endDay.Day, 12, 0, 0, 0, g.cal.Location())
	return last.AddDate(-g.opt.Years, 0, 1), last
}

// arrival is when a case is opened and which reference it gets.
type arrival struct {
	at  int64 // unix nanoseconds
	ref int32 // its number in its year
}

// schedule spreads n cases over the years before end: mostly in service
// hours on working days, a few evenings and days off, more on Mondays
// and in August, few in July and at Christmas.
func (g *generator) schedule() []arrival {
	loc := g.cal.Location()
	first, last := g.days()
	type day struct {
		noon   time.Time
		weight float64
	}
	var days []day
	total := 0.0
	for t := first; !t.After(last); t = t.AddDate(0, 0, 1) {
		w := 0.04
		if _, _, ok := g.cal.Hours(g.cal.DateOf(t)); ok {
			w = monthWeight[t.Month()-1] * weekdayWeight[t.Weekday()]
		}
		days = append(days, day{t, w})
		total += w
	}
	out := make([]arrival, 0, g.opt.Cases)
	cum, placed := 0.0, 0
	yearCount := map[int]int32{}
	for i, d := range days {
		cum += d.weight
		upto := int(float64(g.opt.Cases)*cum/total + 0.5)
		if i == len(days)-1 {
			upto = g.opt.Cases
		}
		n := upto - placed
		placed = upto
		if n <= 0 {
			continue
		}
		r := rand.New(rand.NewPCG(g.opt.Seed^0x5eed_da75, uint64(i)))
		date := g.cal.DateOf(d.noon)
		open, closeAt, ok := g.cal.Hours(date)
		if !ok {
			open = time.Date(date.Year, date.Month, date.Day, 9, 0, 0, 0, loc)
			closeAt = time.Date(date.Year, date.Month, date.Day, 21, 0, 0, 0, loc)
		}
		times := make([]int64, n)
		for j := range times {
			var t time.Time
			switch x := r.Float64(); {
			case ok && x < 0.05: // evening, by mail or the portal
				t = closeAt.Add(time.Duration(r.Int64N(int64(5 * time.Hour))))
			case ok && x < 0.65: // the morning rush
				span := min(4*time.Hour, closeAt.Sub(open))
				t = open.Add(time.Duration(r.Int64N(int64(span))))
			default:
				t = open.Add(time.Duration(r.Int64N(int64(closeAt.Sub(open)))))
			}
			if t.After(g.end) {
				t = g.end.Add(-time.Duration(1+r.IntN(3600)) * time.Second)
			}
			times[j] = t.Truncate(time.Millisecond).UnixNano()
		}
		slices.Sort(times)
		for _, t := range times {
			y := time.Unix(0, t).In(helpdesk.Oslo).Year()
			yearCount[y]++
			out = append(out, arrival{at: t, ref: yearCount[y]})
		}
	}
	// Evening arrivals can pass the next day's first ones.
	sort.SliceStable(out, func(a, b int) bool { return out[a].at < out[b].at })
	yearCount = map[int]int32{}
	for i := range out {
		y := time.Unix(0, out[i].at).In(helpdesk.Oslo).Year()
		yearCount[y]++
		out[i].ref = yearCount[y]
	}
	return out
}

var monthWeight = [12]float64{1.1, 1.0, 1.0, 0.9, 0.9, 0.85, 0.4, 1.35, 1.15, 1.0, 1.0, 0.75}
var weekdayWeight = [7]float64{0.04, 1.25, 1.05, 1.0, 0.95, 0.8, 0.04}

// written is one case ready for the record.
type written struct {
	year     int
	refEvent eventstore.EventData
	stream   string
	events   []eventstore.EventData
	persons  []personWrite
	links    []link
	kind     helpdesk.Kind
	status   helpdesk.Status
	tasks    int // open tasks at the end
}

// play writes case i, opened at a.
func (g *generator) play(i int, a arrival) (written, error) {
	r := rand.New(rand.NewPCG(g.opt.Seed, uint64(i)))
	caseID, runID := uuidFrom(r).String(), uuidFrom(r).String()
	at := time.Unix(0, a.at).In(g.cal.Location())
	year := at.In(helpdesk.Oslo).Year()
	gg := *g
	gg.ref = helpdesk.FormatReference(year, uint64(a.ref))
	s := newSim(g.cal, g.policy, g.end, caseID, runID)
	p := &play{g: &gg, r: r, s: s, index: i}
	p.openCorr = p.corr()
	kind := helpdesk.KindIncident
	switch x := r.IntN(100); {
	case x < 25:
		kind = helpdesk.KindGuidance
	case x < 41 && len(g.orderers) > 0:
		kind = helpdesk.KindOrder
	}
	// Access requests are drawn apart: their share is per person, not a
	// percentage of the cases.
	if len(g.teams) > 0 {
		switch x := r.Float64(); {
		case x < g.accessShare:
			kind = helpdesk.KindESAAccess
		case x < g.accessShare+newUserShare:
			kind = helpdesk.KindNewUser
		case x < g.accessShare+newUserShare+departureShare:
			kind = helpdesk.KindDeparture
		}
	}
	// A ticket during an outage is often about it.
	var outage int
	linked := false
	if kind == helpdesk.KindIncident || kind == helpdesk.KindGuidance {
		var during bool
		outage, during = g.outageAt(at)
		linked = during && r.Float64() < linkShare
	}
	var err error
	switch {
	case linked:
		kind = helpdesk.KindIncident
		p.reporter = pickWeighted(r, g.reporters)
		err = p.outageTicket(at, outage)
	case kind == helpdesk.KindESAAccess:
		tm := pick(r, g.teams)
		p.reporter = tm.manager
		err = p.access(at, tm)
	case kind == helpdesk.KindNewUser, kind == helpdesk.KindDeparture:
		tm := pick(r, g.teams)
		p.reporter = tm.manager
		if kind == helpdesk.KindNewUser {
			err = p.newUser(at, tm)
		} else {
			err = p.departure(at, tm)
		}
	case kind == helpdesk.KindOrder:
		p.reporter = pickWeighted(r, g.orderers)
		err = p.order(at)
	default:
		p.reporter = pickWeighted(r, g.reporters)
		err = p.ticket(kind, at)
	}
	if err != nil {
		return written{}, err
	}
	// The reference the case's first activity allocated (activity 1 of
	// its run), by whoever opened it, when it was opened.
	opened := s.events[0]
	refData, err := json.Marshal(helpdesk.ReferenceAllocated{CaseID: caseID, Reference: gg.ref})
	if err != nil {
		return written{}, err
	}
	w := written{year: year, stream: helpdesk.Stream(caseID), events: s.events, persons: s.persons, links: s.links, kind: kind, status: s.state.Status,
		refEvent: eventstore.EventData{ID: eventstore.DeterministicID(s.workflowID, runID, "1", 0),
			Type: helpdesk.ReferenceAllocated{}.EventType(), Data: refData, Metadata: opened.Metadata}}
	for _, t := range s.state.Tasks {
		if t.Status == helpdesk.TaskStatusOpen {
			w.tasks++
		}
	}
	return w, nil
}

// chunkSize cases are generated in parallel and then appended in order.
const chunkSize = 2048

// refsPerAppend keeps a reference append well under the store's 1 MiB.
const refsPerAppend = 500

// Write plays opt.Cases cases and appends them to store, oldest first.
func Write(ctx context.Context, store eventstore.Store, opt Options) (Totals, error) {
	if err := opt.Check(); err != nil {
		return Totals{}, err
	}
	g, err := newGenerator(opt)
	if err != nil {
		return Totals{}, err
	}
	arrivals := g.schedule()
	first, _ := g.days()
	g.scheduleNotices(first)
	workers := opt.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	tot := Totals{ByKind: map[helpdesk.Kind]int{}, ByStatus: map[helpdesk.Status]int{}, Announcements: map[string]int{}, Until: g.end}
	if len(arrivals) > 0 {
		tot.From = time.Unix(0, arrivals[0].at).UTC()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type chunk struct {
		cases []written
		until time.Time // its last case's opening
		err   error
	}
	chunks := make(chan chunk, 2)
	go func() {
		defer close(chunks)
		for lo := 0; lo < len(arrivals); lo += chunkSize {
			hi := min(lo+chunkSize, len(arrivals))
			c := chunk{cases: make([]written, hi-lo), until: time.Unix(0, arrivals[hi-1].at)}
			var wg sync.WaitGroup
			var mu sync.Mutex
			next := lo
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						mu.Lock()
						i := next
						next++
						mu.Unlock()
						if i >= hi || ctx.Err() != nil {
							return
						}
						w, err := g.play(i, arrivals[i])
						if err != nil {
							mu.Lock()
							if c.err == nil {
								c.err = fmt.Errorf("case %d: %w", i, err)
							}
							mu.Unlock()
							return
						}
						c.cases[i-lo] = w
					}
				}()
			}
			wg.Wait()
			select {
			case chunks <- c:
			case <-ctx.Done():
				return
			}
			if c.err != nil {
				return
			}
		}
	}()

	refHead := map[int]int64{}       // last revision of each year's reference stream
	personHead := map[string]int64{} // and of each person's stream
	links := map[int][]link{}        // each announcement's linked cases so far
	written := make([]bool, len(g.notices))
	began, lastReport := time.Now(), time.Now()
	for c := range chunks {
		if c.err != nil {
			return tot, c.err
		}
		if opt.BeforeChunk != nil {
			// (and the people's streams they write to: a new employee's
			// is new)
			streams := make([]string, 0, len(c.cases))
			seen := map[string]bool{}
			for _, w := range c.cases {
				streams = append(streams, w.stream)
				for _, pw := range w.persons {
					if !seen[pw.stream] {
						seen[pw.stream] = true
						streams = append(streams, pw.stream)
					}
				}
			}
			if err := opt.BeforeChunk(ctx, streams); err != nil {
				return tot, err
			}
		}
		// The chunk's references first, one append per year at the head
		// of its stream (the numbers are the cases' order), then each
		// case's stream, new (no stream yet): in this order, so the same
		// options give the same positions.
		var batch []eventstore.StreamAppend
		for lo := 0; lo < len(c.cases); {
			hi := lo
			var refs []eventstore.EventData
			// (a few hundred to an append: appends are at most 1 MiB)
			for hi < len(c.cases) && hi-lo < refsPerAppend && c.cases[hi].year == c.cases[lo].year {
				refs = append(refs, c.cases[hi].refEvent)
				hi++
			}
			year := c.cases[lo].year
			exp := eventstore.NoStream()
			head, ok := refHead[year]
			if ok {
				exp = eventstore.Exact(uint64(head))
			} else {
				head = -1
			}
			batch = append(batch, eventstore.StreamAppend{Stream: helpdesk.ReferenceStream(year), Expected: exp, Events: refs})
			refHead[year] = head + int64(len(refs))
			tot.Events += len(refs)
			lo = hi
		}
		for _, w := range c.cases {
			batch = append(batch, eventstore.StreamAppend{Stream: w.stream, Expected: eventstore.NoStream(), Events: w.events})
		}
		// Then what the chunk's cases record in people's streams, in
		// the cases' order: one append per person at the head of their
		// stream.
		batch = append(batch, personAppends(c.cases, personHead)...)
		// Last, the announcements that nothing is added to any more.
		for _, w := range c.cases {
			for _, l := range w.links {
				links[l.notice] = append(links[l.notice], l)
			}
		}
		more, err := g.settledNotices(written, links, c.until)
		if err != nil {
			return tot, err
		}
		batch = append(batch, more...)
		if err := appendAll(ctx, store, batch); err != nil {
			return tot, fmt.Errorf("seed: %w", err)
		}
		for _, a := range more {
			tot.Events += len(a.Events)
		}
		for _, w := range c.cases {
			tot.Linked += len(w.links)
			tot.Cases++
			tot.Events += len(w.events) + len(w.persons)
			tot.ByKind[w.kind]++
			tot.ByStatus[w.status]++
			tot.OpenTasks += w.tasks
			switch w.status {
			case helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser, helpdesk.StatusAwaitingApproval, helpdesk.StatusActive:
				tot.Open++
			}
		}
		if opt.Progress != nil && (time.Since(lastReport) > 2*time.Second || tot.Cases == opt.Cases) {
			lastReport = time.Now()
			el := time.Since(began)
			fmt.Fprintf(opt.Progress, "  %d/%d cases, %d events, %s, %.0f cases/s\n", tot.Cases, opt.Cases, tot.Events,
				el.Round(time.Second), float64(tot.Cases)/el.Seconds())
		}
	}
	if err := ctx.Err(); err != nil {
		return tot, err
	}
	// The announcements still going on at the end.
	rest, err := g.settledNotices(written, links, g.end)
	if err == nil {
		err = appendAll(ctx, store, rest)
	}
	if err != nil {
		return tot, fmt.Errorf("seed: %w", err)
	}
	for _, a := range rest {
		tot.Events += len(a.Events)
	}
	for _, n := range g.notices {
		tot.Announcements[string(n.req.Kind)]++
	}
	return tot, nil
}

// settledNotices are the appends of the announcements not yet written
// that nothing is added to after until (each one append, new), and marks
// them written.
func (g *generator) settledNotices(written []bool, links map[int][]link, until time.Time) ([]eventstore.StreamAppend, error) {
	var out []eventstore.StreamAppend
	for i := range g.notices {
		n := &g.notices[i]
		if written[i] || n.settled(g.end).After(until) {
			continue
		}
		evs, err := g.noticeStream(n, links[i])
		if err != nil {
			return nil, err
		}
		written[i] = true
		out = append(out, eventstore.StreamAppend{Stream: helpdesk.AnnouncementStream(n.id), Expected: eventstore.NoStream(), Events: evs})
	}
	return out, nil
}

// personAppends are the appends of the cases' facts about people, one
// per person in the order the cases first name them, each at the head of
// its stream as head has it (and moves it on).
func personAppends(cases []written, head map[string]int64) []eventstore.StreamAppend {
	var out []eventstore.StreamAppend
	at := map[string]int{} // stream → its append in out
	for _, w := range cases {
		for _, pw := range w.persons {
			i, ok := at[pw.stream]
			if !ok {
				i = len(out)
				at[pw.stream] = i
				exp := eventstore.NoStream()
				if h, seen := head[pw.stream]; seen {
					exp = eventstore.Exact(uint64(h))
				}
				out = append(out, eventstore.StreamAppend{Stream: pw.stream, Expected: exp})
			}
			out[i].Events = append(out[i].Events, pw.event)
		}
	}
	for _, a := range out {
		h, seen := head[a.Stream]
		if !seen {
			h = -1
		}
		head[a.Stream] = h + int64(len(a.Events))
	}
	return out
}

// appendAll appends batch in order: in one go where the store takes
// batches, else one append after the other.
func appendAll(ctx context.Context, store eventstore.Store, batch []eventstore.StreamAppend) error {
	if b, ok := store.(eventstore.BatchAppender); ok {
		_, err := b.AppendMany(ctx, batch)
		return err
	}
	for _, a := range batch {
		if _, err := store.Append(ctx, a.Stream, a.Expected, a.Events...); err != nil {
			return err
		}
	}
	return nil
}
