package desk

import (
	"context"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// maxPeople bounds a search's answer.
const maxPeople = 50

// FindPeople finds directory users whose username, name or e-mail address
// holds q (case-insensitive), for the data protection officer's search;
// an empty q lists the first of everyone, by username.
func (d *Desk) FindPeople(ctx context.Context, actor helpdesk.Actor, q string) ([]Profile, error) {
	if err := Authorize(actor, ActionFindPeople); err != nil {
		return nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	if len([]rune(q)) > 100 {
		return nil, invalid("q", "søket er for langt", "the search is too long")
	}
	out := []Profile{}
	for _, u := range d.dir.Users() { // sorted by username
		hay := strings.ToLower(u.Username + "\n" + u.DisplayName + "\n" + u.Email)
		if q != "" && !strings.Contains(hay, q) {
			continue
		}
		p, err := d.Me(actor, u)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
		if len(out) == maxPeople {
			break
		}
	}
	return out, nil
}
