package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore/esdbfake"
)

// These tests run the store against the model server (esdbfake): they
// check what the store sends and how it copes with what a server does —
// outages, timeouts, old versions — not how a real server behaves.

func startModel(t *testing.T) *esdbfake.Server {
	t.Helper()
	srv := esdbfake.New()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("model server: %v", err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

func openModel(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(url, WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond), WithConnectWait(500*time.Millisecond),
		WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ev(n int) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "Numbered", Data: fmt.Appendf(nil, `{"n":%d}`, n), Metadata: []byte(`{"actor":"tester"}`)}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// final are the errors that tell a caller not to try again.
var final = []error{eventstore.ErrClosed, eventstore.ErrWrongExpectedRevision, eventstore.ErrIDConflict, eventstore.ErrInvalidEvent}

func wantRetryable(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s = nil error, want one to try again on", what)
	}
	for _, f := range final {
		if errors.Is(err, f) {
			t.Fatalf("%s = %v: a final error, want one to try again on", what, err)
		}
	}
}

// TestEveryCallAsksForTheLeader: client v4.2.0 never sends its
// requires-leader header; every call the store makes carries it, so a
// stream's head or a read-back never comes from a lagging follower.
func TestEveryCallAsksForTheLeader(t *testing.T) {
	srv := startModel(t)
	s := openModel(t, srv.URL())
	ctx := ctxFor(t, 10*time.Second)

	res, err := s.Append(ctx, "lead-1", eventstore.NoStream(), ev(0), ev(1))
	if err != nil {
		t.Fatalf("Append = %v", err)
	}
	if _, err := s.Append(ctx, "lead-1", res.NextExpected, ev(2)); err != nil {
		t.Fatalf("Append = %v", err)
	}
	if _, err := s.ReadStream(ctx, "lead-1", 0, 0); err != nil {
		t.Fatalf("ReadStream = %v", err)
	}
	if _, err := s.ReadAll(ctx, 0, 0, eventstore.Filter{}); err != nil {
		t.Fatalf("ReadAll = %v", err)
	}
	if _, err := s.ReadAll(ctx, 0, 0, eventstore.Filter{StreamPrefixes: []string{"lead-"}}); err != nil {
		t.Fatalf("ReadAll(prefix) = %v", err)
	}
	if _, err := s.Verify(ctx, "lead-1"); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if _, err := s.VerifyAll(ctx); err != nil {
		t.Fatalf("VerifyAll = %v", err)
	}
	sub, err := s.Subscribe(ctx, 0, eventstore.Filter{})
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	if _, err := sub.Recv(ctx); err != nil {
		t.Fatalf("Recv = %v", err)
	}
	sub.Close()
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready = %v", err)
	}

	methods := map[string]int{}
	for _, c := range srv.Calls() {
		if !strings.HasPrefix(c.Method, "/event_store.client.streams.Streams/") {
			continue // the client's own discovery (server features)
		}
		methods[c.Method]++
		if got := c.Metadata.Get("requires-leader"); len(got) != 1 || got[0] != "true" {
			t.Errorf("%s sent requires-leader %q, want [true]", c.Method, got)
		}
	}
	if methods["/event_store.client.streams.Streams/Append"] != 2 || methods["/event_store.client.streams.Streams/Read"] < 8 {
		t.Errorf("calls seen: %v; want 2 appends and the reads", methods)
	}
}

// TestAnAppendReadsOnlyWhatItHasNotSeen: an append to a stream the store
// appended to before reads nothing of the stored events; a read of some
// streams is filtered by the server; readiness reads one event.
func TestAnAppendReadsOnlyWhatItHasNotSeen(t *testing.T) {
	srv := startModel(t)
	s := openModel(t, srv.URL())
	ctx := ctxFor(t, 10*time.Second)
	res, err := s.Append(ctx, "case-1", eventstore.NoStream(), ev(0), ev(1), ev(2))
	if err != nil {
		t.Fatalf("Append = %v", err)
	}

	reads, sent := len(srv.Reads()), srv.Sent()
	res, err = s.Append(ctx, "case-1", res.NextExpected, ev(3))
	if err != nil {
		t.Fatalf("Append = %v", err)
	}
	got := srv.Reads()[reads:]
	if len(got) != 1 || got[0].GetOptions().GetStream().GetRevision() != 3 {
		t.Errorf("one append made %d reads (%v), want one read from revision 3, after the head it knew", len(got), got)
	}
	if n := srv.Sent() - sent; n != 0 {
		t.Errorf("one append was sent %d stored events, want none", n)
	}

	// Another process appends: the next append reads just that event.
	other := openModel(t, srv.URL())
	if _, err := other.Append(ctx, "case-1", res.NextExpected, ev(4)); err != nil {
		t.Fatalf("Append from another store = %v", err)
	}
	sent = srv.Sent()
	_, err = s.Append(ctx, "case-1", res.NextExpected, ev(5))
	if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		t.Fatalf("Append behind another store's = %v, want ErrWrongExpectedRevision", err)
	}
	if n := srv.Sent() - sent; n > 2 {
		t.Errorf("finding the new head cost %d events read, want the new one (and the check for a retry)", n)
	}

	reads = len(srv.Reads())
	if _, err := s.ReadAll(ctx, 0, 0, eventstore.Filter{StreamPrefixes: []string{"case-"}}); err != nil {
		t.Fatalf("ReadAll(prefix) = %v", err)
	}
	filtered := false
	for _, r := range srv.Reads()[reads:] {
		if ps := r.GetOptions().GetFilter().GetStreamIdentifier().GetPrefix(); len(ps) == 1 && ps[0] == "case-" {
			filtered = true
		}
	}
	if !filtered {
		t.Errorf("ReadAll(prefix case-) sent no server-side stream filter")
	}

	reads = len(srv.Reads())
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready = %v", err)
	}
	if r := srv.Reads()[reads:]; len(r) != 1 || r[0].GetOptions().GetCount() != 1 {
		t.Errorf("Ready made reads %v, want one of one event", r)
	}
}

// freeAddr returns a local address nothing listens on: connecting to it is
// refused.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestStartsBeforeItsServer: the process starts while the port refuses;
// calls fail with an error to try again on and Ready says why; once a
// server listens there the store connects by itself and works.
func TestStartsBeforeItsServer(t *testing.T) {
	addr := freeAddr(t)
	s := openModel(t, "esdb://"+addr+"?tls=false")

	_, err := s.Append(ctxFor(t, 3*time.Second), "early", eventstore.NoStream(), ev(0))
	wantRetryable(t, "Append with no server", err)
	if !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("Append with no server = %v, want ErrUnavailable", err)
	}
	if err := s.Ready(t.Context()); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("Ready with no server = %v, want ErrUnavailable", err)
	}
	if got := testutil.ToFloat64(s.met.connected); got != 0 {
		t.Errorf("connected gauge = %v with no server, want 0", got)
	}

	srv := esdbfake.New()
	if err := srv.Start(addr); err != nil {
		t.Fatalf("model server on %s: %v", addr, err)
	}
	t.Cleanup(srv.Stop)
	waitReady(t, s, 15*time.Second)
	if _, err := s.Append(ctxFor(t, 5*time.Second), "early", eventstore.NoStream(), ev(0)); err != nil {
		t.Fatalf("Append once the server is up = %v", err)
	}
	if got := testutil.ToFloat64(s.met.connected); got != 1 {
		t.Errorf("connected gauge = %v, want 1", got)
	}
	if got := testutil.ToFloat64(s.met.reconnects); got < 1 {
		t.Errorf("reconnects = %v, want at least 1", got)
	}
	if got := testutil.ToFloat64(s.met.failures); got < 1 {
		t.Errorf("connect failures = %v, want at least 1", got)
	}
}

func waitReady(t *testing.T, s *Store, within time.Duration) {
	t.Helper()
	until := time.Now().Add(within)
	for {
		err := s.Ready(ctxFor(t, 2*time.Second))
		if err == nil {
			return
		}
		if time.Now().After(until) {
			t.Fatalf("not ready %s after the server came: %v", within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSurvivesAnOutage: the server goes away for longer than the client's
// own reconnect tries (about a second), so the client gives up for good;
// meanwhile every call, many at once, returns within its deadline with
// an error to try again on, and Ready says not ready; when the server is
// back the store works again without a restart.
func TestSurvivesAnOutage(t *testing.T) {
	srv := startModel(t)
	s := openModel(t, srv.URL())
	res, err := s.Append(ctxFor(t, 5*time.Second), "outage", eventstore.NoStream(), ev(0))
	if err != nil {
		t.Fatalf("Append = %v", err)
	}
	addr := srv.Addr()
	srv.Stop()

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	stop := time.Now().Add(3 * time.Second)
	for g := range 8 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				began := time.Now()
				var err error
				if g%2 == 0 {
					_, err = s.Append(ctx, "outage", res.NextExpected, ev(1))
				} else {
					_, err = s.ReadStream(ctx, "outage", 0, 0)
				}
				cancel()
				if took := time.Since(began); took > 3*time.Second {
					errs <- fmt.Errorf("a call took %s with a 1s deadline", took)
					return
				}
				if err == nil {
					errs <- errors.New("a call succeeded with the server down")
					return
				}
				for _, f := range final {
					if errors.Is(err, f) {
						errs <- fmt.Errorf("a call during the outage = %v: a final error", err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := s.Ready(ctxFor(t, time.Second)); err == nil {
		t.Error("Ready during the outage = nil, want not ready")
	}

	if err := srv.Start(addr); err != nil {
		t.Fatalf("model server back on %s: %v", addr, err)
	}
	waitReady(t, s, 15*time.Second)
	got, err := s.Append(ctxFor(t, 5*time.Second), "outage", res.NextExpected, ev(1))
	if err != nil || got.NextExpected != eventstore.Exact(1) {
		t.Fatalf("Append after the outage = %+v, %v; want it at revision 1", got, err)
	}
	if n := testutil.ToFloat64(s.met.lost); n < 1 {
		t.Errorf("connections lost = %v, want at least 1 (the client gave up during the outage)", n)
	}
	if n := testutil.ToFloat64(s.met.reconnects); n < 1 {
		t.Errorf("reconnects = %v, want at least 1", n)
	}
}

// TestCloseIsFinal: after Close every call, and a subscription opened
// before, fails with ErrClosed.
func TestCloseIsFinal(t *testing.T) {
	srv := startModel(t)
	s := openModel(t, srv.URL())
	ctx := ctxFor(t, 5*time.Second)
	if _, err := s.Append(ctx, "closing", eventstore.NoStream(), ev(0)); err != nil {
		t.Fatalf("Append = %v", err)
	}
	sub, err := s.Subscribe(ctx, 0, eventstore.Filter{StreamPrefixes: []string{"nothing-"}})
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	defer sub.Close()
	s.Close()
	if _, err := s.Append(ctx, "closing", eventstore.Exact(0), ev(1)); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if _, err := s.ReadStream(ctx, "closing", 0, 0); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("ReadStream after Close = %v, want ErrClosed", err)
	}
	if err := s.Ready(ctx); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Ready after Close = %v, want ErrClosed", err)
	}
	if _, err := sub.Recv(ctx); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Recv after Close = %v, want ErrClosed", err)
	}
}

// TestRefusesServersItCannotWorkWith: a server before 22.6, or one that
// does not say its version, is refused at the first connection with an
// error that names the version; nothing is written to it.
func TestRefusesServersItCannotWorkWith(t *testing.T) {
	for _, tc := range []struct {
		version string
		ok      bool
	}{
		{"", false},
		{"21.10.9", false},
		{"22.5.0", false},
		{"22.6.0", true},
		{"24.10.0", true},
		{"25.1.0", true},
	} {
		t.Run(tc.version, func(t *testing.T) {
			srv := esdbfake.New()
			srv.SetVersion(tc.version)
			if err := srv.Start("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			defer srv.Stop()
			s := openModel(t, srv.URL())
			err := s.WaitConnected(ctxFor(t, 10*time.Second))
			if tc.ok {
				if err != nil {
					t.Fatalf("WaitConnected to %q = %v, want success", tc.version, err)
				}
				return
			}
			if !errors.Is(err, ErrUnsupportedServer) || (tc.version != "" && !strings.Contains(err.Error(), tc.version)) {
				t.Fatalf("WaitConnected to %q = %v, want ErrUnsupportedServer naming the version", tc.version, err)
			}
			if _, err := s.Append(ctxFor(t, 2*time.Second), "old", eventstore.NoStream(), ev(0)); !errors.Is(err, ErrUnsupportedServer) {
				t.Errorf("Append to %q = %v, want ErrUnsupportedServer", tc.version, err)
			}
			if err := s.Ready(t.Context()); !errors.Is(err, ErrUnsupportedServer) {
				t.Errorf("Ready with %q = %v, want ErrUnsupportedServer", tc.version, err)
			}
		})
	}

	// A server that says it is new but sends stream reads without
	// positions (as before 22.6) is refused on the read.
	srv := esdbfake.New()
	srv.SetNoStreamPositions(true)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	s := openModel(t, srv.URL())
	ctx := ctxFor(t, 5*time.Second)
	if _, err := s.Append(ctx, "nopos", eventstore.NoStream(), ev(0)); err != nil {
		t.Fatalf("Append = %v", err)
	}
	if _, err := s.ReadStream(ctx, "nopos", 0, 0); !errors.Is(err, ErrUnsupportedServer) {
		t.Errorf("ReadStream without positions = %v, want ErrUnsupportedServer", err)
	}
}

// TestTheCallersDeadlineIsTheCallsDeadline: the client would cut an
// append at its default deadline (here defaultDeadline=300 ms); a caller
// with more time gets it, a caller without a deadline gets the default.
func TestTheCallersDeadlineIsTheCallsDeadline(t *testing.T) {
	srv := startModel(t)
	s := openModel(t, srv.URL()+"&defaultDeadline=300")
	srv.SetAppendHook(func(ctx context.Context, _ string, commit func()) error {
		select {
		case <-time.After(800 * time.Millisecond): // a slow server
			commit()
			return nil
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	})
	if _, err := s.Append(ctxFor(t, 5*time.Second), "slow", eventstore.NoStream(), ev(0)); err != nil {
		t.Fatalf("Append with 5s to go against a server taking 0.8s = %v, want success", err)
	}
	_, err := s.Append(context.Background(), "slow-default", eventstore.NoStream(), ev(0))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "not written") {
		t.Fatalf("Append without a deadline against a server taking 0.8s = %v, want DeadlineExceeded (the 300ms default), not written", err)
	}
	if _, err := s.ReadStream(ctxFor(t, 2*time.Second), "slow-default", 0, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("after a timed-out append the stream reads %v, want not found", err)
	}
}

// TestAnAppendWhoseAnswerIsLostIsSettledByReadingBack: the server writes
// the events but the answer never comes (a timeout, a dropped
// connection): the store reads the stream back and reports the append as
// done, with its real position, instead of an error that would send the
// caller after an outcome it cannot know.
func TestAnAppendWhoseAnswerIsLostIsSettledByReadingBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose func(ctx context.Context) error
	}{
		{"timeout", func(ctx context.Context) error { <-ctx.Done(); return status.FromContextError(ctx.Err()).Err() }},
		{"connection dropped", func(context.Context) error { return status.Error(codes.Unavailable, "connection reset") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startModel(t)
			s := openModel(t, srv.URL())
			lost := true
			srv.SetAppendHook(func(ctx context.Context, _ string, commit func()) error {
				commit()
				if lost {
					lost = false
					return tc.lose(ctx)
				}
				return nil
			})
			e := ev(0)
			res, err := s.Append(ctxFor(t, 500*time.Millisecond), "lost", eventstore.NoStream(), e)
			if err != nil {
				t.Fatalf("Append whose answer was lost = %v, want success (it was written)", err)
			}
			stored, err := s.ReadStream(ctxFor(t, 2*time.Second), "lost", 0, 0)
			if err != nil || len(stored) != 1 || stored[0].ID != e.ID {
				t.Fatalf("stream = %d events, %v; want the one event", len(stored), err)
			}
			if res.NextExpected != eventstore.Exact(0) || res.Position != stored[0].Position {
				t.Errorf("result %+v, want revision 0 at position %d", res, stored[0].Position)
			}
			again, err := s.Append(ctxFor(t, 2*time.Second), "lost", eventstore.NoStream(), e)
			if err != nil || again != res {
				t.Errorf("retried Append = %+v, %v; want %+v", again, err, res)
			}
		})
	}
}

// TestFilteredReadsEndOnServersWithoutCaughtUp: servers before 23.10 say
// nothing when a subscription catches up; a filtered read still ends,
// with every matching event, when it passes the head of $all.
func TestFilteredReadsEndOnServersWithoutCaughtUp(t *testing.T) {
	srv := startModel(t)
	srv.SetCaughtUp(false)
	s := openModel(t, srv.URL())
	ctx := ctxFor(t, 10*time.Second)
	for i := range 5 {
		for _, p := range []string{"case-", "person-"} {
			if _, err := s.Append(ctx, fmt.Sprintf("%s%d", p, i), eventstore.NoStream(), ev(i)); err != nil {
				t.Fatalf("Append = %v", err)
			}
		}
	}
	got, err := s.ReadAll(ctx, 0, 0, eventstore.Filter{StreamPrefixes: []string{"person-"}})
	if err != nil || len(got) != 5 {
		t.Fatalf("ReadAll(person-) = %d events, %v; want 5", len(got), err)
	}
	limited, err := s.ReadAll(ctx, got[1].Position, 2, eventstore.Filter{StreamPrefixes: []string{"person-"}})
	if err != nil || len(limited) != 2 || limited[0].Position != got[2].Position {
		t.Fatalf("ReadAll(after the second, limit 2) = %d events, %v; want the third and fourth", len(limited), err)
	}
}
