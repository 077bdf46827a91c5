package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/people"
)

// Authenticator turns a bearer token into a directory user. A token it
// does not accept is an error (wrapping ErrUnauthenticated), answered 401;
// the error's text is logged, never shown to the caller.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (directory.User, error)
}

// ErrUnauthenticated means the token was not accepted.
var ErrUnauthenticated = errors.New("unauthenticated")

// DevTokens accepts `dev:<username>` for every directory user. Only dev mode
// (`brukerhjelp dev`) wires it; production validates OIDC tokens
// (api/oidc.go), which never accepts a dev token.
type DevTokens struct {
	Directory *directory.Directory
	// Store, when set, also admits users that new-user cases created, from
	// their start date.
	Store people.Reader
}

// Authenticate implements Authenticator.
func (d DevTokens) Authenticate(ctx context.Context, token string) (directory.User, error) {
	name, ok := strings.CutPrefix(token, "dev:")
	if !ok {
		return directory.User{}, fmt.Errorf("%w: not a dev token", ErrUnauthenticated)
	}
	u, ok := d.Directory.User(name)
	if !ok && d.Store != nil {
		var err error
		if u, ok, err = people.Resolve(ctx, d.Store, d.Directory, name, time.Now().In(helpdesk.Oslo).Format(time.DateOnly)); err != nil {
			return directory.User{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
		}
	}
	if !ok {
		return directory.User{}, fmt.Errorf("%w: user %q is not in the directory", ErrUnauthenticated, name)
	}
	return u, nil
}

type userKey struct{}

// caller is the authenticated user and the actor the desk decides with.
type caller struct {
	user  directory.User
	actor helpdesk.Actor
}

func userFrom(ctx context.Context) directory.User {
	c, _ := ctx.Value(userKey{}).(caller)
	return c.user
}

// authenticated wraps h so it runs only for a known user whose account
// the desk accepts (a departure disables it).
func (s *Server) authenticated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="brukerhjelp"`)
			writeProblem(w, problem(r, http.StatusUnauthorized, "", "innlogging kreves (Authorization: Bearer …)", "authentication required (Authorization: Bearer …)"))
			return
		}
		u, err := s.auth.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			// Why stays in the log: the caller learns only that it failed.
			noteAuthFailure(r, err.Error())
			w.Header().Set("WWW-Authenticate", `Bearer realm="brukerhjelp", error="invalid_token"`)
			writeProblem(w, problem(r, http.StatusUnauthorized, "", "ugyldig eller utløpt token", "invalid or expired token"))
			return
		}
		actor, err := s.desk.Actor(r.Context(), u)
		if err != nil {
			reason := "account disabled by a departure"
			if !desk.IsKind(err, desk.Unauthenticated) {
				reason = err.Error()
			}
			noteAuthFailure(r, reason)
			w.Header().Set("WWW-Authenticate", `Bearer realm="brukerhjelp", error="invalid_token"`)
			writeProblem(w, problem(r, http.StatusUnauthorized, "", "kontoen er deaktivert", "the account is disabled"))
			return
		}
		noteUser(r, u.Username)
		h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, caller{user: u, actor: actor})))
	}
}

// actor is the caller as the domain sees them today, including whom they
// stand in for as a deputy.
func (s *Server) actor(r *http.Request) helpdesk.Actor {
	c, _ := r.Context().Value(userKey{}).(caller)
	return c.actor
}
