package esdbstore

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// Schemes are the connection-string schemes Open accepts, compared without
// regard to case: EventStoreDB's own and KurrentDB's newer names for the
// same protocol, each with its "+discover" (DNS cluster discovery) form.
// internal/config checks EVENTSTORE_URL against this same list.
var Schemes = []string{
	"esdb://", "esdb+discover://",
	"kurrentdb://", "kurrentdb+discover://",
	"kurrent://", "kurrent+discover://",
	"kdb://", "kdb+discover://",
}

// HasScheme reports whether connString starts with one of Schemes.
func HasScheme(connString string) bool {
	_, _, ok := cutScheme(connString)
	return ok
}

// Validate checks connString as Open would, without connecting: its
// scheme, its form and the settings the store refuses.
func Validate(connString string) error {
	cfg, err := parseConnString(connString)
	if err != nil {
		return err
	}
	return cfg.Validate()
}

// cutScheme splits connString after its scheme; discover tells whether it
// is a "+discover" one.
func cutScheme(connString string) (rest string, discover, ok bool) {
	for _, s := range Schemes {
		if len(connString) >= len(s) && strings.EqualFold(connString[:len(s)], s) {
			return connString[len(s):], strings.Contains(s, "+discover"), true
		}
	}
	return "", false, false
}

// parseConnString turns connString into the client's configuration. It
// refuses, with an error naming the setting, what the client would take
// silently and the store cannot work with:
//
//   - a scheme other than Schemes: this client version knows only esdb://
//     and esdb+discover://, so the KurrentDB ones are rewritten to those;
//   - a defaultDeadline that is not a positive number of milliseconds: the
//     client parses it into a zero deadline and every call then fails at
//     once;
//   - a nodePreference other than leader: heads of streams and read-backs
//     must come from the leader (a follower may lag and show a stale
//     head), and the store asks every call to go there.
//
// Errors never repeat the connection string, which may hold a password.
func parseConnString(connString string) (*esdb.Configuration, error) {
	rest, discover, ok := cutScheme(connString)
	if !ok {
		return nil, fmt.Errorf("connection string must start with one of %s", strings.Join(Schemes, ", "))
	}
	scheme := "esdb://"
	if discover {
		scheme = "esdb+discover://"
	}
	attempts := false
	if _, query, found := strings.Cut(rest, "?"); found {
		var err error
		if attempts, err = checkSettings(query); err != nil {
			return nil, err
		}
	}
	cfg, err := esdb.ParseConnectionString(scheme + rest)
	var uerr *url.Error
	switch {
	case errors.As(err, &uerr):
		// url.Error quotes the whole string.
		return nil, errors.New("connection string is not a valid URL (see docs/OPERATIONS.md for its form)")
	case err != nil:
		return nil, fmt.Errorf("connection string: %w", err)
	}
	if !attempts {
		// One discovery attempt per connection: the store retries with
		// its own backoff, metrics and logs, and a client that cannot
		// reconnect gives up (and is replaced) in a fraction of a second
		// rather than after the client's own ten tries.
		cfg.MaxDiscoverAttempts = 1
	}
	return cfg, nil
}

// checkSettings validates the settings the client mishandles. Keys are
// case-insensitive, as the client reads them. attempts tells whether
// maxDiscoverAttempts is given.
func checkSettings(query string) (attempts bool, err error) {
	values, err := url.ParseQuery(query)
	if err != nil {
		return false, errors.New("connection string settings are malformed")
	}
	for key, vs := range values {
		if len(vs) == 0 {
			continue
		}
		v := vs[0]
		switch strings.ToLower(key) {
		case "defaultdeadline":
			if ms, err := strconv.Atoi(v); err != nil || ms < 1 {
				return false, fmt.Errorf("connection string setting defaultDeadline=%q: must be a positive number of milliseconds", v)
			}
		case "nodepreference":
			if !strings.EqualFold(v, "leader") {
				return false, fmt.Errorf("connection string setting nodePreference=%q: only leader is supported (the record is read from the leader, so a lagging follower never shows a stale stream head)", v)
			}
		case "maxdiscoverattempts":
			attempts = true
		}
	}
	return attempts, nil
}

// callDeadline is the deadline the client is given for one call: what is
// left of the caller's, when it has one; nil leaves the client's default
// (defaultDeadline=, else 10 s) for callers without a deadline.
func callDeadline(deadline time.Time, ok bool) *time.Duration {
	if !ok {
		return nil
	}
	// Already past: the call ends at once, as the caller's context says.
	d := max(time.Until(deadline), time.Nanosecond)
	return &d
}
