package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/people"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Personal data (docs/PRIVACY.md): what the desk's privacy commands and
// queries share. A person's cases are found in the read model and read
// from the record; erasing goes through the erasure workflow, which
// destroys keys and records each erasure on the case.

// Privacy runs an erasure. Temporal's implementation starts the erasure
// workflow and waits for what it did.
type Privacy interface {
	Erase(ctx context.Context, in workflows.ErasureInput) ([]activities.EraseOutput, error)
}

// People finds the cases that concern a person. *readmodel.DB implements
// it.
type People interface {
	CasesConcerning(ctx context.Context, username string) ([]string, error)
}

// TemporalPrivacy runs erasures on a Temporal client.
func TemporalPrivacy(c client.Client) Privacy { return temporalPrivacy{c} }

type temporalPrivacy struct{ c client.Client }

func (t temporalPrivacy) Erase(ctx context.Context, in workflows.ErasureInput) ([]activities.EraseOutput, error) {
	run, err := t.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "erasure-" + uuid.NewString(), TaskQueue: workflows.TaskQueue},
		workflows.ErasureWorkflowName, in)
	if err != nil {
		return nil, temporalError(err)
	}
	var out []activities.EraseOutput
	return out, temporalError(run.Get(ctx, &out))
}

var (
	errNoPrivacy = refuse(Unavailable, "", "sletting er ikke tilgjengelig her", "erasure is not available here")
	errNoPeople  = refuse(Unavailable, "", "personopplysningene kan ikke slås opp: lesemodellen er ikke koblet til",
		"personal data cannot be looked up: no read model")
	errNoPerson = notFound("personen finnes ikke", "no such person")
)

// Roles a person can have in a case.
const (
	CaseRoleReporter = "reporter"
	CaseRoleCreator  = "creator"
	CaseRoleAssignee = "assignee"
	CaseRoleSubject  = "subject" // an access, a departure or an account about them
)

// personCase is one case concerning a person, as the record has it.
type personCase struct {
	c     helpdesk.Case
	roles []string
	hold  helpdesk.LegalHold
}

// casesOf reads from the record every case the read model says concerns
// username, with the person's part in it and its legal hold.
func (d *Desk) casesOf(ctx context.Context, username string) ([]personCase, error) {
	if d.people == nil {
		return nil, errNoPeople
	}
	ids, err := d.people.CasesConcerning(ctx, username)
	if err != nil {
		return nil, fmt.Errorf("desk: cases of %s: %w", username, err)
	}
	out := make([]personCase, 0, len(ids))
	for _, id := range ids {
		c, err := d.loadCase(ctx, id)
		if IsKind(err, NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		pc := personCase{c: c}
		for _, r := range []struct {
			role string
			is   bool
		}{
			{CaseRoleReporter, c.Reporter == username},
			{CaseRoleCreator, c.CreatedBy == username && c.Reporter != username},
			{CaseRoleAssignee, c.Assignee == username},
			{CaseRoleSubject, readmodel.Subject(c) == username},
		} {
			if r.is {
				pc.roles = append(pc.roles, r.role)
			}
		}
		if len(pc.roles) == 0 {
			continue // the read model was behind: no longer theirs
		}
		if pc.hold, err = d.legalHold(ctx, c.ID); err != nil {
			return nil, err
		}
		out = append(out, pc)
	}
	return out, nil
}

// personStream reads what the record knows of a person's account.
func (d *Desk) personStream(ctx context.Context, username string) (helpdesk.Person, bool, error) {
	_, err := d.record.ReadStream(ctx, helpdesk.PersonStream(username), 0, 1)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return helpdesk.Person{}, false, nil
	}
	if err != nil {
		return helpdesk.Person{}, false, fmt.Errorf("desk: read %s: %w", helpdesk.PersonStream(username), err)
	}
	p, err := people.Read(ctx, d.record, username)
	return p, true, err
}

// onRequest is what a request to erase c would do now.
func (d *Desk) onRequest(pc personCase) helpdesk.RetentionDecision {
	return d.retain.OnRequest(pc.c, pc.hold, d.now())
}

// RetentionPolicy is the retention policy in force.
func (d *Desk) RetentionPolicy() helpdesk.RetentionPolicy { return d.retain }
