package readmodel_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// Benchmarks of the read side at scale (docs/PERFORMANCE.md, "The read
// model at a million cases"). They never run in "go test ./...":
//
//	BRUKERHJELP_BENCH_CASES=1000000 go test ./internal/readmodel/ -run '^$' -bench BenchmarkScale -benchtime 200x
//
// The read model of N synthetic cases is written once per size and
// backend through the projection's own write path (ProjectBatch, PutCase)
// and kept: brukerhjelp-scale-<N>-<version>.db in the temporary
// directory, or the schema bench_scale_<N>_<version> on the
// BRUKERHJELP_TEST_POSTGRES server (drop it when done).

// scaleCases is the number of cases (20 000 unless BRUKERHJELP_BENCH_CASES
// says otherwise).
func scaleCases(b *testing.B) int {
	n := 20_000
	if s := os.Getenv("BRUKERHJELP_BENCH_CASES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 100 {
			b.Fatalf("BRUKERHJELP_BENCH_CASES=%q is not a number of cases (100 or more)", s)
		}
		n = v
	}
	return n
}

// The synthetic desk: a county's help desk over five years.
var (
	scaleStart  = time.Date(2021, 12, 1, 7, 0, 0, 0, time.UTC)
	scaleEnd    = time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)
	scaleGroups = []string{helpdesk.FirstLineGroup, "nettverk", "klient", "fagsystem", "arkiv", "telefoni", "skole", "helse"}
	scaleTitles = []string{"Skriveren skriver ikke", "VPN faller ut", "Får ikke logget inn", "Outlook henger", "Skjermen flimrer",
		"Glemt passord", "Teams-møte uten lyd", "Tilgang til fellesområde", "Ny bærbar PC", "Mobilen synkroniserer ikke e-post",
		"Fagsystemet svarer tregt", "Kan ikke skrive ut fra Visma", "Feil i timelisten", "Nettverket er nede i etasjen",
		"Sakarkivet gir feilmelding", "Headset virker ikke", "Programvare må installeres", "Licens for Adobe", "Trådløst nett borte",
		"Konto låst"}
	scaleSentences = []string{"Det skjedde etter oppdateringen i går.", "Gjelder hele avdelingen.", "Har prøvd å starte på nytt.",
		"Haster før møtet klokken ti.", "Feilmeldingen sier at tjenesten ikke er tilgjengelig.", "Skjer bare om morgenen.",
		"Kollegaen min har samme problem.", "Jeg sitter på kontoret i tredje etasje."}
)

// scaleCase is case n of the synthetic desk, folded from its events with
// the domain's own Apply.
func scaleCase(n, total int) helpdesk.Case {
	r := rand.New(rand.NewPCG(uint64(n), 42))
	span := scaleEnd.Sub(scaleStart)
	created := scaleStart.Add(time.Duration(float64(span) * float64(n) / float64(total))).Truncate(time.Second)
	id := fmt.Sprintf("%08x-0000-4000-8000-%012d", n, n)
	kinds := []helpdesk.Kind{helpdesk.KindIncident, helpdesk.KindIncident, helpdesk.KindIncident, helpdesk.KindIncident,
		helpdesk.KindGuidance, helpdesk.KindGuidance, helpdesk.KindOrder, helpdesk.KindNewUser, helpdesk.KindDeparture, helpdesk.KindIncident}
	kind := kinds[r.IntN(len(kinds))]
	prios := []helpdesk.Priority{helpdesk.PriorityLow, helpdesk.PriorityNormal, helpdesk.PriorityNormal, helpdesk.PriorityNormal,
		helpdesk.PriorityHigh, helpdesk.PriorityCritical}
	prio := prios[r.IntN(len(prios))]
	reporter := fmt.Sprintf("u%05d", r.IntN(20_000))
	worker := fmt.Sprintf("cw%02d", r.IntN(40))
	group := scaleGroups[min(r.IntN(len(scaleGroups)+4), len(scaleGroups)-1)%len(scaleGroups)]
	if r.IntN(3) == 0 {
		group = helpdesk.FirstLineGroup
	}
	title := scaleTitles[r.IntN(len(scaleTitles))] + fmt.Sprintf(" (rom %d)", r.IntN(5000))
	desc := scaleSentences[r.IntN(len(scaleSentences))] + " " + scaleSentences[r.IntN(len(scaleSentences))] +
		fmt.Sprintf(" Maskin PC%06d.", r.IntN(1_000_000))
	c := helpdesk.NewCase()
	rev := int64(-1)
	at := created
	apply := func(e helpdesk.Event, actor string, after time.Duration) {
		at = at.Add(after)
		rev++
		c.Apply(e, helpdesk.Metadata{Actor: actor, OccurredAt: at}, rev)
	}
	apply(helpdesk.CaseOpened{CaseID: id, Reference: helpdesk.FormatReference(created.Year(), uint64(n+1)), Kind: kind, Title: title,
		Description: desc, Priority: prio, Reporter: reporter, CreatedBy: reporter, Group: group, Channel: helpdesk.ChannelPortal}, reporter, 0)
	respT, resT := 2*time.Hour, 16*time.Hour
	apply(helpdesk.SLAStarted{Priority: prio, ResponseTarget: respT, ResolutionTarget: resT,
		ResponseDue: created.Add(respT), ResolutionDue: created.Add(resT + time.Duration(r.IntN(72))*time.Hour)}, "system", 0)
	// How far the case got: the newest cases are still being worked on,
	// and a few old ones were forgotten.
	age := scaleEnd.Sub(created)
	stage := 6
	switch {
	case age < 3*24*time.Hour:
		stage = r.IntN(6)
	case age < 30*24*time.Hour:
		stage = 3 + r.IntN(4)
	case r.IntN(400) == 0:
		stage = r.IntN(3)
	}
	if stage >= 1 {
		apply(helpdesk.CaseClaimed{Assignee: worker}, worker, time.Duration(5+r.IntN(240))*time.Minute)
		apply(helpdesk.SLAResponded{WithinTarget: r.IntN(10) > 0}, worker, 0)
	}
	if kind == helpdesk.KindOrder && stage >= 2 {
		apply(helpdesk.TaskOpened{TaskID: helpdesk.TaskID(id, 1), Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn bestillingen",
			Approver: fmt.Sprintf("leder%03d", r.IntN(300)), Fallback: "okonomisjef", CostNOK: int64(1000 + r.IntN(30_000)),
			DueAt: at.Add(72 * time.Hour)}, "system", time.Minute)
		if stage >= 4 {
			apply(helpdesk.TaskCompleted{TaskID: helpdesk.TaskID(id, 1), Outcome: helpdesk.OutcomeApproved, DecidedBy: c.Tasks[0].Approver},
				c.Tasks[0].Approver, time.Duration(1+r.IntN(48))*time.Hour)
		}
	}
	if kind == helpdesk.KindNewUser && stage >= 2 {
		apply(helpdesk.TaskOpened{TaskID: helpdesk.TaskID(id, 1), Kind: helpdesk.TaskFulfilment, Type: "account", Title: "Opprett konto",
			Group: "klient"}, "system", time.Minute)
		if stage >= 4 {
			apply(helpdesk.TaskCompleted{TaskID: helpdesk.TaskID(id, 1), Outcome: helpdesk.OutcomeDone, DecidedBy: worker}, worker,
				time.Duration(1+r.IntN(8))*time.Hour)
		}
	}
	if stage >= 3 {
		apply(helpdesk.CommentAdded{CommentID: "c1", Body: "Ser på det nå."}, worker, time.Duration(r.IntN(120))*time.Minute)
	}
	if stage == 3 && r.IntN(2) == 0 {
		apply(helpdesk.InfoRequested{Question: "Hvilket rom gjelder det?"}, worker, time.Minute)
	}
	if stage >= 5 {
		apply(helpdesk.CaseResolved{Resolution: "Løst"}, worker, time.Duration(10+r.IntN(3000))*time.Minute)
		apply(helpdesk.SLAStopped{}, "system", 0)
		if r.IntN(25) == 0 {
			apply(helpdesk.CaseReopened{Reason: "Virker fortsatt ikke"}, reporter, time.Duration(r.IntN(48))*time.Hour)
			apply(helpdesk.CaseResolved{Resolution: "Løst igjen"}, worker, time.Duration(1+r.IntN(24))*time.Hour)
		}
	}
	if stage >= 6 {
		apply(helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed}, reporter, time.Duration(1+r.IntN(72))*time.Hour)
	}
	return c
}

// scaleDB opens the read model of n synthetic cases on backend, writing
// it first when it is missing, partial or of another version.
func scaleDB(b *testing.B, backend string, n int) *readmodel.DB {
	b.Helper()
	ctx := context.Background()
	// Named by the read model's version too: another version's is kept
	// for its own code, not rebuilt.
	version := strings.ReplaceAll(readmodel.Version(), "-", "_")
	dsn := filepath.Join(os.TempDir(), fmt.Sprintf("brukerhjelp-scale-%d-%s.db", n, version))
	if backend == "postgres" {
		server := os.Getenv(readmodeltest.EnvPostgres)
		if server == "" {
			b.Skipf("%s is not set", readmodeltest.EnvPostgres)
		}
		schema := fmt.Sprintf("bench_scale_%d_%s", n, version)
		readmodeltest.Exec(b, server, `CREATE SCHEMA IF NOT EXISTS `+schema)
		dsn = readmodeltest.WithSchema(b, server, schema)
	}
	db, err := readmodel.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if st, err := db.Stats(ctx, "cases"); err == nil && st.Position == uint64(n) {
		return db
	}
	if err := db.Reset(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("writing %d synthetic cases to the %s read model (once)", n, backend)
	start := time.Now()
	const batch = 1000
	for from := 0; from < n; from += batch {
		if err := db.ProjectBatch(ctx, "cases", func(ctx context.Context, bt *readmodel.Batch) error {
			for i := from; i < min(from+batch, n); i++ {
				c := scaleCase(i, n)
				if _, err := bt.Step(ctx, uint64(i+1), func(ctx context.Context, tx *readmodel.Tx) error {
					return tx.PutCase(ctx, c, c.Revision)
				}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("wrote %d cases in %s", n, time.Since(start).Round(time.Millisecond))
	return db
}

// latencies reports the median and the 99th percentile of took.
func latencies(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[min(len(took)*99/100, len(took)-1)].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkScale measures the queries behind the list and queue pages,
// search, GET /tasks and the KPI report on a read model of
// BRUKERHJELP_BENCH_CASES cases.
func BenchmarkScale(b *testing.B) {
	n := scaleCases(b)
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			db := scaleDB(b, backend, n)
			ctx := context.Background()
			all := readmodel.Visibility{All: true}
			open := []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser, helpdesk.StatusAwaitingApproval}
			lists := []struct {
				name string
				f    func(i int) readmodel.Filter
			}{
				{"recent", func(int) readmodel.Filter { return readmodel.Filter{Visibility: all} }},
				{"queue-open-due", func(int) readmodel.Filter { return readmodel.Filter{Statuses: open, SortDue: true, Visibility: all} }},
				{"queue-group-unassigned-due", func(i int) readmodel.Filter {
					return readmodel.Filter{Statuses: open, Group: scaleGroups[i%len(scaleGroups)], Unassigned: true, SortDue: true, Visibility: all}
				}},
				{"queue-mine-due", func(i int) readmodel.Filter {
					return readmodel.Filter{Statuses: open, Assignee: fmt.Sprintf("cw%02d", i%40), SortDue: true, Visibility: all}
				}},
				{"status-closed", func(int) readmodel.Filter { return readmodel.Filter{Status: helpdesk.StatusClosed, Visibility: all} }},
				{"kind", func(i int) readmodel.Filter {
					return readmodel.Filter{Kind: []helpdesk.Kind{helpdesk.KindOrder, helpdesk.KindNewUser, helpdesk.KindDeparture}[i%3], Visibility: all}
				}},
				{"group-closed", func(i int) readmodel.Filter {
					return readmodel.Filter{Group: scaleGroups[i%len(scaleGroups)], Status: helpdesk.StatusClosed, Visibility: all}
				}},
				{"assignee-all", func(i int) readmodel.Filter {
					return readmodel.Filter{Assignee: fmt.Sprintf("cw%02d", i%40), Visibility: all}
				}},
				{"reporter", func(i int) readmodel.Filter {
					return readmodel.Filter{Reporter: fmt.Sprintf("u%05d", i%20_000), Visibility: all}
				}},
				{"own-cases", func(i int) readmodel.Filter {
					return readmodel.Filter{Visibility: readmodel.Visibility{User: fmt.Sprintf("u%05d", i%20_000)}}
				}},
				{"approver-cases", func(i int) readmodel.Filter {
					return readmodel.Filter{Visibility: readmodel.Visibility{User: fmt.Sprintf("leder%03d", i%300)}}
				}},
				{"q-common", func(i int) readmodel.Filter {
					return readmodel.Filter{Q: []string{"skriver", "vpn", "outlook", "passord", "teams"}[i%5], Visibility: all}
				}},
				{"q-rare", func(i int) readmodel.Filter {
					return readmodel.Filter{Q: fmt.Sprintf("pc%06d", i*7919%1_000_000), Visibility: all}
				}},
				{"q-two-words", func(i int) readmodel.Filter {
					return readmodel.Filter{Q: fmt.Sprintf("skriver rom %d", i%5000), Visibility: all}
				}},
				{"q-none", func(i int) readmodel.Filter { return readmodel.Filter{Q: "finnesikke", Visibility: all} }},
				{"q-reference", func(i int) readmodel.Filter {
					return readmodel.Filter{Q: helpdesk.FormatReference(scaleStart.Year()+i%5, uint64(i*37%n+1)), Visibility: all}
				}},
			}
			for _, l := range lists {
				b.Run("list/"+l.name, func(b *testing.B) {
					var took []time.Duration
					i := 0
					for b.Loop() {
						start := time.Now()
						if _, err := db.ListCases(ctx, l.f(i)); err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(start))
						i++
					}
					latencies(b, took)
				})
			}
			b.Run("list/deep-pages", func(b *testing.B) {
				// Twenty pages down the open queue and down the closed cases.
				var took []time.Duration
				i := 0
				for b.Loop() {
					f := readmodel.Filter{Status: helpdesk.StatusClosed, Visibility: all}
					if i%2 == 0 {
						f = readmodel.Filter{Statuses: open, SortDue: true, Visibility: all}
					}
					for range 20 {
						start := time.Now()
						p, err := db.ListCases(ctx, f)
						if err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(start))
						if p.NextCursor == "" {
							break
						}
						f.Cursor = p.NextCursor
					}
					i++
				}
				latencies(b, took)
			})
			tasks := []struct {
				name string
				a    func(i int) helpdesk.Actor
			}{
				{"approver", func(i int) helpdesk.Actor { return helpdesk.Actor{Username: fmt.Sprintf("leder%03d", i%300)} }},
				{"caseworker", func(i int) helpdesk.Actor {
					return helpdesk.Actor{Username: fmt.Sprintf("cw%02d", i%40), Roles: []helpdesk.Role{helpdesk.RoleCaseworker},
						Groups: []string{scaleGroups[i%len(scaleGroups)], helpdesk.FirstLineGroup}}
				}},
				{"nobody", func(i int) helpdesk.Actor { return helpdesk.Actor{Username: fmt.Sprintf("u%05d", i%20_000)} }},
			}
			for _, tk := range tasks {
				b.Run("tasks/"+tk.name, func(b *testing.B) {
					var took []time.Duration
					i := 0
					for b.Loop() {
						a := tk.a(i)
						start := time.Now()
						if _, err := db.ListTasks(ctx, readmodel.TaskFilter{OpenOnly: true, For: &a}); err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(start))
						i++
					}
					latencies(b, took)
				})
			}
			b.Run("kpi/year", func(b *testing.B) {
				cal := calendar.Default()
				var took []time.Duration
				for b.Loop() {
					start := time.Now()
					from := time.Date(2025, 12, 1, 0, 0, 0, 0, helpdesk.Oslo)
					if _, err := scaleKPI(ctx, db, from, from.AddDate(1, 0, 0), scaleEnd, cal); err != nil {
						b.Fatal(err)
					}
					took = append(took, time.Since(start))
				}
				latencies(b, took)
			})
		})
	}
}
