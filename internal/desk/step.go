package desk

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// The steps of a case (API.md section 4), one file each, share this: the
// policy, the case as the actor may see it, one update of its workflow,
// and the case as the workflow has it afterwards (read-your-writes), as
// the actor may see it.

// step takes one step on the case ref names.
func (d *Desk) step(ctx context.Context, actor helpdesk.Actor, act Action, ref, update string, in workflows.StepInput) (helpdesk.Case, error) {
	if err := Authorize(actor, act); err != nil {
		return helpdesk.Case{}, err
	}
	// What was sent is judged before whom it is for: a malformed or
	// over-long field is refused as such.
	if err := in.Normalize(update); err != nil {
		return helpdesk.Case{}, fromDomain(err)
	}
	c, err := d.visibleCase(ctx, actor, ref)
	if err != nil {
		return helpdesk.Case{}, err
	}
	return d.update(ctx, actor, c.ID, update, "", in)
}

// update sends one update to a case's workflow. Its text is cleaned and
// bounded by the domain's rules first, so nothing the workflow would
// refuse travels to it.
func (d *Desk) update(ctx context.Context, actor helpdesk.Actor, caseID, update, updateID string, in workflows.StepInput) (helpdesk.Case, error) {
	if err := in.Normalize(update); err != nil {
		return helpdesk.Case{}, fromDomain(err)
	}
	in.Actor, in.CorrelationID = actor, correlationID(ctx)
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	view, err := d.wf.UpdateCase(ctx, caseID, update, updateID, in)
	if errors.Is(err, ErrNotRunning) {
		// The workflow has finished: nothing more can happen to the case.
		// A case the record holds as still going on has never had one
		// here (brukerhjelp seed wrote it): say so.
		if c, lerr := d.loadCase(ctx, caseID); lerr == nil && !c.Final() {
			return helpdesk.Case{}, errNoWorkflow
		}
		return helpdesk.Case{}, errFinishedCase
	}
	if err != nil {
		return helpdesk.Case{}, engineError(err)
	}
	return view.Case.VisibleTo(actor), nil
}

// correlationID is the one of the request being served (the doors put it
// in the context, internal/logctx); it travels into the workflow and the
// record's metadata.
func correlationID(ctx context.Context) string {
	if id := logctx.CorrelationID(ctx); id != "" {
		return id
	}
	return uuid.NewString()
}
