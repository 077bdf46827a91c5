package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Team is a manager's team: the people of the units they lead with their
// active accesses, and the open requests the manager made or decides,
// each with who is to act now.
type Team struct {
	Units    []TeamUnit    `json:"units"`
	Requests []OpenRequest `json:"requests"`
}

// TeamUnit is one unit the manager leads.
type TeamUnit struct {
	ID     string       `json:"id"`
	Name   string       `json:"name"`
	People []TeamMember `json:"people"`
}

// TeamMember is one person of a unit.
type TeamMember struct {
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	// New: the account was created by a new-user case (it is not in the
	// directory file); From is their start date.
	New  bool   `json:"new,omitempty"`
	From string `json:"from,omitempty"`
	// Disabled: a departure ended the account.
	Disabled bool         `json:"disabled,omitempty"`
	Accesses []TeamAccess `json:"accesses"`
}

// TeamAccess is one active access of a person.
type TeamAccess struct {
	CaseID      string    `json:"caseId"`
	Reference   string    `json:"reference"`
	Role        string    `json:"role"`
	Units       []string  `json:"units"`
	AccessCodes []string  `json:"accessCodes"`
	Sensitive   bool      `json:"sensitive"`
	GrantedAt   time.Time `json:"grantedAt"`
	// ValidTo is the last day it is valid ("" for until revoked);
	// RecertifyBy is when the manager must next confirm it.
	ValidTo     string    `json:"validTo,omitempty"`
	RecertifyBy time.Time `json:"recertifyBy"`
}

// OpenRequest is an open case of the team's, with who acts on it now.
type OpenRequest struct {
	ID        string          `json:"id"`
	Reference string          `json:"reference"`
	Kind      helpdesk.Kind   `json:"kind"`
	Status    helpdesk.Status `json:"status"`
	Title     string          `json:"title"`
	Reporter  string          `json:"reporter"`
	CreatedAt time.Time       `json:"createdAt"`
	// Acting is who is to act now: approvers, groups, the reporter.
	Acting []Acting `json:"acting"`
}

// Acting is one who is to act on a case now: a person (Username) or a
// caseworker group (Group), and on what (Task: a task's title, or ""
// for the case itself).
type Acting struct {
	Username string `json:"username,omitempty"`
	Group    string `json:"group,omitempty"`
	Task     string `json:"task,omitempty"`
	// Due is the task's deadline, if it has one.
	Due time.Time `json:"due,omitzero"`
}

// openStatuses are the statuses of a case still being worked on.
var openStatuses = []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser, helpdesk.StatusAwaitingApproval}

// Team is the actor's team (managers). The people come from the
// directory and from the accounts new-user cases created on the record;
// their accesses and the requests are read from the record, the list of
// requests from the read model.
func (d *Desk) Team(ctx context.Context, actor helpdesk.Actor) (Team, error) {
	if err := Authorize(actor, ActionTeam); err != nil {
		return Team{}, err
	}
	me, ok := d.dir.User(actor.Username)
	if !ok {
		return Team{}, refuse(Forbidden, "", "du leder ingen enhet", "you lead no unit")
	}
	persons, err := d.personEvents(ctx)
	if err != nil {
		return Team{}, err
	}
	team := Team{Units: []TeamUnit{}, Requests: []OpenRequest{}}
	for _, unit := range me.Leads {
		if !d.dir.Manages(actor.Username, unit) {
			continue
		}
		tu := TeamUnit{ID: unit, Name: d.dir.UnitName(unit), People: []TeamMember{}}
		for _, u := range d.dir.Users() {
			if u.Unit != unit {
				continue
			}
			p := helpdesk.FoldPerson(persons[u.Username])
			m, err := d.member(ctx, u.Username, u.DisplayName, p)
			if err != nil {
				return Team{}, err
			}
			tu.People = append(tu.People, m)
		}
		for _, name := range sortedKeys(persons) {
			if _, inDir := d.dir.User(name); inDir {
				continue
			}
			p := helpdesk.FoldPerson(persons[name])
			if !p.Created || p.Unit != unit {
				continue
			}
			m, err := d.member(ctx, name, p.DisplayName, p)
			if err != nil {
				return Team{}, err
			}
			m.New, m.From = true, p.From
			tu.People = append(tu.People, m)
		}
		team.Units = append(team.Units, tu)
	}
	if team.Requests, err = d.openRequests(ctx, actor); err != nil {
		return Team{}, err
	}
	return team, nil
}

// member is a person with their active accesses.
func (d *Desk) member(ctx context.Context, username, name string, p helpdesk.Person) (TeamMember, error) {
	m := TeamMember{Username: username, DisplayName: name, Disabled: p.Disabled, Accesses: []TeamAccess{}}
	for _, id := range p.Accesses {
		c, err := d.loadCase(ctx, id)
		if IsKind(err, NotFound) {
			continue
		}
		if err != nil {
			return TeamMember{}, err
		}
		a := c.Access
		if a == nil || c.Status != helpdesk.StatusActive {
			continue
		}
		m.Accesses = append(m.Accesses, TeamAccess{CaseID: c.ID, Reference: c.Reference, Role: a.Role, Units: a.Units,
			AccessCodes: a.AccessCodes, Sensitive: a.Sensitive, GrantedAt: a.GrantedAt, ValidTo: a.ValidTo,
			RecertifyBy: workflows.RecertificationDue(*a)})
	}
	return m, nil
}

// personEvents reads every person stream of the record, by username.
func (d *Desk) personEvents(ctx context.Context) (map[string][]helpdesk.PersonEvent, error) {
	const prefix = "person-"
	out := map[string][]helpdesk.PersonEvent{}
	var after uint64
	for {
		evs, err := d.record.ReadAll(ctx, after, 1000, eventstore.Filter{StreamPrefixes: []string{prefix}})
		if err != nil {
			return nil, fmt.Errorf("desk: read people: %w", err)
		}
		for _, e := range evs {
			after = e.Position
			name, ok := strings.CutPrefix(e.Stream, prefix)
			if !ok {
				continue
			}
			var pe helpdesk.PersonEvent
			if err := json.Unmarshal(e.Data, &pe); err != nil {
				return nil, fmt.Errorf("desk: person %s revision %d: %w", name, e.Revision, err)
			}
			out[name] = append(out[name], pe)
		}
		if len(evs) < 1000 {
			return out, nil
		}
	}
}

// openRequests are the open cases the actor may see (those they asked
// for and those they decide), with who acts on each now; oldest first.
func (d *Desk) openRequests(ctx context.Context, actor helpdesk.Actor) ([]OpenRequest, error) {
	if d.lists == nil {
		return nil, errNoLists
	}
	out := []OpenRequest{}
	for _, st := range openStatuses {
		page, err := d.lists.ListCases(ctx, readmodel.Filter{Status: st, Limit: readmodel.MaxLimit, Visibility: readmodel.VisibleTo(actor)})
		if err != nil {
			return nil, fmt.Errorf("desk: team requests: %w", err)
		}
		for _, s := range page.Items {
			c, err := d.loadCase(ctx, s.ID)
			if IsKind(err, NotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if !actor.CanSee(c) || !slices.Contains(openStatuses, c.Status) {
				continue
			}
			out = append(out, OpenRequest{ID: c.ID, Reference: c.Reference, Kind: c.Kind, Status: c.Status, Title: c.Title,
				Reporter: c.Reporter, CreatedAt: c.CreatedAt, Acting: ActingNow(c)})
		}
	}
	slices.SortFunc(out, func(a, b OpenRequest) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// ActingNow is who is to act on c now: the deciders of its open
// approvals, the groups of its open fulfilment tasks, the reporter while
// a question waits for them, else whoever holds the case (its assignee,
// or its group's queue). Nobody for a case that is done.
func ActingNow(c helpdesk.Case) []Acting {
	out := []Acting{}
	if !slices.Contains(openStatuses, c.Status) {
		return out
	}
	for _, t := range c.Tasks {
		if t.Status != helpdesk.TaskStatusOpen {
			continue
		}
		switch {
		case t.Kind == helpdesk.TaskApproval && t.Approver != "":
			who := t.Approver
			if t.Escalated && t.Fallback != "" {
				who = t.Fallback
			}
			out = append(out, Acting{Username: who, Task: t.Title, Due: t.DueAt})
		default:
			out = append(out, Acting{Group: t.Group, Task: t.Title, Due: t.DueAt})
		}
	}
	if len(out) > 0 {
		return out
	}
	switch {
	case c.Status == helpdesk.StatusWaitingForUser:
		out = append(out, Acting{Username: c.Reporter})
	case c.Assignee != "":
		out = append(out, Acting{Username: c.Assignee})
	default:
		out = append(out, Acting{Group: c.Group})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
