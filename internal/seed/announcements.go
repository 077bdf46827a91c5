package seed

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Operations' announcements in the record: maintenance windows told ahead
// and outages, each in its stream (announcement-<id>) as its workflow
// records it (workflows/announcement.go). Incidents reported during an
// outage of their service are linked to it when they open, and those
// still open when operations resolve the outage are resolved with it.

// noticesPerCases: a desk gets one announcement a year for every 400
// cases a year, between minNotices and maxNotices a year; every third
// is an outage.
const (
	noticesPerCases = 400
	minNotices      = 2
	maxNotices      = 36
)

// linkShare is the share of incidents and questions arriving during an
// outage that are about it, and linked to it by their reporter.
const linkShare = 0.5

// notice is one announcement of the record.
type notice struct {
	id, runID string
	by        helpdesk.Actor
	// corr and resolveCorr: the correlation IDs of operations' two
	// requests, publishing and resolving.
	corr, resolveCorr string
	req               helpdesk.AnnouncementRequest
	// publishedAt ≤ startsAt for maintenance; an outage is published a
	// little after it began.
	publishedAt, startsAt, endsAt time.Time
	// resolvedAt: when operations resolve an outage (may lie after the
	// record's end: it is still going on).
	resolvedAt time.Time
	resolution string
	service    string // the incident topics' service an outage is about
	published  helpdesk.AnnouncementPublished
}

func (n *notice) outage() bool { return n.req.Kind == helpdesk.AnnouncementOutage }

// link is the announcement's record of a case linked to it.
type link struct {
	notice int
	at     time.Time
	ev     helpdesk.CaseLinkedToAnnouncement
}

type outageTopic struct {
	service, name, title, body, resolution string
}

var outageTopics = []outageTopic{
	{"e-post", "E-post", "E-post er nede", "Vi har problemer med e-posttjenesten. Meldinger blir forsinket eller kommer ikke fram.", "E-posttjenesten virker igjen. Forsinkede meldinger er levert."},
	{"nettverk", "Nettverk", "Ustabilt nett på fylkeshuset og skolene", "Nettverket faller ut i perioder. Vi feilsøker sammen med leverandøren.", "En svitsj er byttet; nettet er stabilt igjen."},
	{"esa", "ESA", "ESA svarer ikke", "Sak- og arkivsystemet ESA er utilgjengelig. Vent med journalføring til det er rettet.", "ESA er tilgjengelig igjen etter omstart av databasen."},
	{"fagsystem", "Fagsystemer", "Elevsystemet er utilgjengelig", "Elevsystemet svarer ikke. Leverandøren arbeider med saken.", "Leverandøren har rettet feilen."},
	{"skriver", "Utskrift", "Utskrift virker ikke", "Utskriftskøen står. Utskrifter blir liggende til feilen er rettet.", "Utskriftsserveren er startet på nytt; køen går igjen."},
}

var maintenanceTopics = []outageTopic{
	{"", "E-post", "Oppgradering av e-postserveren", "E-post kan være utilgjengelig i vinduet.", ""},
	{"", "Nettverk", "Planlagt vedlikehold av nettverket", "Korte brudd i nettet kan forekomme.", ""},
	{"", "ESA", "Ny versjon av ESA", "ESA er stengt mens den nye versjonen installeres.", ""},
	{"", "Fagsystemer", "Vedlikehold av økonomisystemet", "Visma er utilgjengelig i vinduet.", ""},
	{"", "Innlogging", "Oppdatering av innloggingstjenesten", "Innlogging kan feile i vinduet; allerede innloggede merker ingenting.", ""},
}

// scheduleNotices places the record's announcements over its years:
// maintenance on a weekday evening or a Saturday morning, told one to two
// weeks ahead; outages in service hours, lasting half an hour to a day of
// service time.
func (g *generator) scheduleNotices(first time.Time) {
	ops := g.dir.WithRole(helpdesk.RoleOperations)
	if ops == "" {
		return // nobody posts announcements
	}
	u, _ := g.dir.User(ops)
	by := u.Actor()
	perYear := min(maxNotices, max(minNotices, g.opt.Cases/g.opt.Years/noticesPerCases))
	total := perYear * g.opt.Years
	r := rand.New(rand.NewPCG(g.opt.Seed^0xa770_c0de, 1))
	loc := g.cal.Location()
	days := int(g.end.Sub(first).Hours()/24) + 1
	for i := range total {
		outage := i%3 == 2
		day := first.AddDate(0, 0, r.IntN(days))
		for outage && !g.serviceDay(day) {
			day = first.AddDate(0, 0, r.IntN(days)) // outages are noticed in service hours
		}
		date := g.cal.DateOf(day)
		n := notice{id: uuidFrom(r).String(), runID: uuidFrom(r).String(), by: by, corr: uuidFrom(r).String(), resolveCorr: uuidFrom(r).String()}
		if outage {
			open, closeAt, _ := g.cal.Hours(date)
			t := pick(r, outageTopics)
			n.startsAt = open.Add(time.Duration(r.Int64N(int64(closeAt.Sub(open))))).Truncate(time.Second)
			n.publishedAt = n.startsAt.Add(time.Duration(5+r.IntN(35)) * time.Minute)
			n.resolvedAt = g.cal.Add(n.publishedAt, hours(0.5+r.Float64()*r.Float64()*8))
			n.service, n.resolution = t.service, t.resolution
			n.req = helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementOutage, Title: t.title, Body: t.body, Services: []string{t.name}}
		} else {
			t := pick(r, maintenanceTopics)
			start := time.Date(date.Year, date.Month, date.Day, 17, 0, 0, 0, loc)
			if day.In(loc).Weekday() == time.Saturday || day.In(loc).Weekday() == time.Sunday {
				start = time.Date(date.Year, date.Month, date.Day, 9, 0, 0, 0, loc)
			}
			n.startsAt, n.endsAt = start, start.Add(time.Duration(1+r.IntN(4))*time.Hour)
			n.publishedAt = time.Date(date.Year, date.Month, date.Day-3-r.IntN(12), 10, 0, 0, 0, loc).Add(time.Duration(r.IntN(300)) * time.Minute)
			n.req = helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementMaintenance, Title: t.title, Body: t.body, Services: []string{t.name}}
		}
		if n.publishedAt.Before(first) || n.publishedAt.After(g.end) {
			continue
		}
		n.req.StartsAt = n.startsAt.Format(time.RFC3339)
		if !n.endsAt.IsZero() {
			n.req.EndsAt = n.endsAt.Format(time.RFC3339)
		}
		startsAt, endsAt, err := n.req.NormalizeAt(n.publishedAt)
		if err != nil {
			panic(fmt.Sprintf("seed: announcement %s: %v", n.req.Title, err)) // the texts and times above are fixed
		}
		n.published = helpdesk.Publish(n.id, n.req, startsAt, endsAt)
		g.notices = append(g.notices, n)
	}
	sort.SliceStable(g.notices, func(a, b int) bool { return g.notices[a].publishedAt.Before(g.notices[b].publishedAt) })
}

// serviceDay reports whether the desk is open on t's day.
func (g *generator) serviceDay(t time.Time) bool {
	_, _, ok := g.cal.Hours(g.cal.DateOf(t))
	return ok
}

// outageAt is the outage a case opened at t may be linked to: published
// and not yet resolved (the first such, if several).
func (g *generator) outageAt(t time.Time) (int, bool) {
	for i := range g.notices {
		n := &g.notices[i]
		if n.publishedAt.After(t) {
			break
		}
		if n.outage() && t.Add(time.Second).Before(n.resolvedAt) {
			return i, true
		}
	}
	return 0, false
}

// outageTicket plays an incident about outage i, linked to it by its
// reporter on the portal: a caseworker may take it and say so before the
// outage is over; when operations resolve the outage the case is resolved
// with it, and the reporter confirms or lets it close.
func (p *play) outageTicket(at time.Time, i int) error {
	g, r, s := p.g, p.r, p.s
	n := &g.notices[i]
	var t topic
	for _, x := range incidentTopics {
		if x.service == n.service {
			t = x
		}
	}
	if len(t.titles) == 0 {
		return fmt.Errorf("seed: no incidents about %q for outage %s", n.service, n.req.Title)
	}
	req := helpdesk.OpenRequest{Kind: helpdesk.KindIncident, Title: pick(r, t.titles), Description: describe(r, t, p.reporter.DisplayName),
		Priority: pickPriority(r, []int{5, 50, 35, 10}), Service: t.service, Channel: helpdesk.ChannelPortal}
	reporter := p.reporter.Actor()
	if err := req.Normalize(reporter); err != nil {
		return fmt.Errorf("seed: open request: %w", err)
	}
	ann := helpdesk.AnnouncementLink{ID: n.id, Reference: n.published.Reference, Title: n.published.Title}
	evs := []helpdesk.Event{helpdesk.Open(s.caseID, g.ref, req, reporter, g.policy.Routes)}
	if started, ok := helpdesk.StartSLA(g.policy.SLA, req.Priority, at.UTC(), s.cal); ok {
		evs = append(evs, started)
	}
	evs = append(evs, helpdesk.LinkedToAnnouncement{AnnouncementID: ann.ID, Reference: ann.Reference, Title: ann.Title})
	if err := s.append(at, reporter.Username, p.openCorr, evs); err != nil {
		return err
	}
	// The case tells the outage, which records the link.
	s.links = append(s.links, link{notice: i, at: at.Add(60 * time.Millisecond),
		ev: helpdesk.CaseLinkedToAnnouncement{CaseID: s.caseID, Reference: g.ref, Reporter: reporter.Username}})
	// Resolving the outage resolves the case if it is still open (a
	// timer of the sim, as the signal comes to the workflow).
	s.outage = &outageEnd{at: n.resolvedAt.Add(200 * time.Millisecond), link: ann, comment: n.resolution}
	targets := g.policy.SLA.Targets[req.Priority]
	if claimAt := p.later(at, time.Duration(float64(targets.Response)*p.share()*0.5)); r.IntN(100) < 40 && claimAt.Before(n.resolvedAt) {
		if cw, ok := p.caseworker(s.state.Group); ok {
			if ok, err := s.step("claim", claimAt, cw, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
				return c.Claim(cw)
			}); !ok || err != nil {
				return err
			}
			if noteAt := claimAt.Add(time.Duration(1+r.IntN(10)) * time.Minute); noteAt.Before(n.resolvedAt) {
				if _, err := s.step("comment", noteAt, cw, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
					return c.Comment(cw, fmt.Sprintf("c%d", c.Revision+1), "Dette skyldes driftsavbruddet "+ann.Reference+". Saken løses når det er rettet.", false)
				}); err != nil {
					return err
				}
			}
		}
	}
	if ok, err := s.advance(s.outage.at); !ok || err != nil {
		return err
	}
	if s.state.Status == helpdesk.StatusResolved && r.IntN(100) < 25 {
		if _, err := s.step("confirm", p.later(s.last, hours(p.uniform(0.2, 10))), reporter, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.Confirm(reporter)
		}); err != nil {
			return err
		}
	}
	return s.finish()
}

// outageEnd is when a linked case hears its outage was resolved.
type outageEnd struct {
	at      time.Time
	link    helpdesk.AnnouncementLink
	comment string
}

// noticeStream is the announcement's stream as its workflow records it,
// up to the record's end: published; a maintenance reminded, started and
// ended by its timers; an outage's linked cases in the order they were
// linked, each run continuing as new after DefaultAnnouncementLinksPerRun
// links; the outage resolved by operations.
func (g *generator) noticeStream(n *notice, links []link) ([]eventstore.EventData, error) {
	type entry struct {
		at    time.Time
		actor string
		corr  string
		ev    helpdesk.Event
	}
	entries := []entry{{n.publishedAt, n.by.Username, n.corr, n.published}}
	if !n.outage() {
		if at, ok := workflows.ReminderAt(g.cal, n.startsAt); ok && at.After(n.publishedAt) && at.Before(n.startsAt) {
			entries = append(entries, entry{at, systemActor.Username, "", helpdesk.AnnouncementReminded{}})
		}
		entries = append(entries, entry{n.startsAt, systemActor.Username, "", helpdesk.AnnouncementStarted{}},
			entry{n.endsAt, systemActor.Username, "", helpdesk.AnnouncementEnded{}})
	}
	slices.SortStableFunc(links, func(a, b link) int { return a.at.Compare(b.at) })
	for _, l := range links {
		entries = append(entries, entry{l.at, systemActor.Username, "", l.ev})
	}
	if n.outage() {
		entries = append(entries, entry{n.resolvedAt, n.by.Username, n.resolveCorr, helpdesk.OutageResolved{Comment: n.resolution}})
	}
	wf := workflows.AnnouncementWorkflowID(n.id)
	run, activity, linked, runs := n.runID, 0, 0, 1
	var out []eventstore.EventData
	for _, e := range entries {
		if e.at.After(g.end) {
			break
		}
		if linked == workflows.DefaultAnnouncementLinksPerRun {
			// The run continued as new after its last link: the next
			// run loads the stream (its activity 1) and records on.
			run = uuid.NewSHA1(uuid.MustParse(n.runID), []byte(strconv.Itoa(runs))).String()
			activity, linked = 1, 0
			runs++
		}
		if _, ok := e.ev.(helpdesk.CaseLinkedToAnnouncement); ok {
			linked++
		}
		activity++
		data, err := json.Marshal(e.ev)
		if err != nil {
			return nil, err
		}
		meta, err := json.Marshal(helpdesk.Metadata{Actor: e.actor, OccurredAt: e.at.UTC(), CorrelationID: e.corr})
		if err != nil {
			return nil, err
		}
		out = append(out, eventstore.EventData{ID: eventstore.DeterministicID(wf, run, strconv.Itoa(activity), 0),
			Type: e.ev.EventType(), Data: data, Metadata: meta})
	}
	return out, nil
}

// settled is when nothing more is added to the announcement: its last
// event, or the record's end.
func (n *notice) settled(end time.Time) time.Time {
	t := n.resolvedAt
	if !n.outage() {
		t = n.endsAt
	}
	if t.After(end) {
		return end
	}
	return t
}
