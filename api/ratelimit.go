package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is the per-user request budget: a token bucket per username
// refilled at PerSecond, holding at most Burst requests. The zero value
// means DefaultRateLimit; a negative PerSecond turns the limit off.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// DefaultRateLimit is generous: a person in a browser never meets it.
// A script doing one thing at a time as fast as the desk answers (a step
// in under 10 ms) can; it is answered 429 with Retry-After, nothing done,
// and sends the request again then.
var DefaultRateLimit = RateLimit{PerSecond: 20, Burst: 40}

// limiter holds one bucket per username. Usernames come from the
// directory (an unknown user is refused before this), so the map is
// bounded by the organisation's size.
type limiter struct {
	every rate.Limit
	burst int
	now   func() time.Time

	mu    sync.Mutex
	users map[string]*rate.Limiter
}

// newLimiter returns nil when the limit is off.
func newLimiter(c RateLimit) *limiter {
	if c == (RateLimit{}) {
		c = DefaultRateLimit
	}
	if c.PerSecond < 0 {
		return nil
	}
	if c.Burst < 1 {
		c.Burst = max(1, int(math.Ceil(2*c.PerSecond)))
	}
	return &limiter{every: rate.Limit(c.PerSecond), burst: c.Burst, now: time.Now, users: map[string]*rate.Limiter{}}
}

// allow takes one token from user's bucket, or says how long until one
// is there.
func (l *limiter) allow(user string) (bool, time.Duration) {
	l.mu.Lock()
	b, ok := l.users[user]
	if !ok {
		b = rate.NewLimiter(l.every, l.burst)
		l.users[user] = b
	}
	l.mu.Unlock()
	now := l.now()
	res := b.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Hour // never: burst is at least 1
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// limited runs h only while the caller has budget left; otherwise 429
// with Retry-After in whole seconds.
func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.limit == nil {
			h(w, r)
			return
		}
		ok, wait := s.limit.allow(userFrom(r.Context()).Username)
		if !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeProblem(w, problem(r, http.StatusTooManyRequests, "",
				"for mange forespørsler; prøv igjen om "+strconv.Itoa(secs)+" s",
				"too many requests; try again in "+strconv.Itoa(secs)+" s"))
			return
		}
		h(w, r)
	}
}
