package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/people"
)

// StoredEvent is a recorded event as a workflow folds it.
type StoredEvent struct {
	Type     string            `json:"type"`
	Data     json.RawMessage   `json:"data"`
	Metadata helpdesk.Metadata `json:"metadata"`
	Revision int64             `json:"revision"`
}

// LoadStream reads a whole stream, for a workflow that continues as new
// and rebuilds its state from the record.
func (a *Activities) LoadStream(ctx context.Context, stream string) ([]StoredEvent, error) {
	return a.LoadStreamPage(ctx, LoadPageInput{Stream: stream})
}

// LoadPageInput asks for up to Limit events of Stream from revision From
// on (Limit <= 0: all of them).
type LoadPageInput struct {
	Stream string `json:"stream"`
	From   uint64 `json:"from"`
	Limit  int    `json:"limit"`
}

// LoadStreamPage reads part of a stream. A long stream is loaded page by
// page so no single activity result comes near Temporal's 2 MB payload
// limit (a case with thousands of comments continues as new and reloads
// its stream).
func (a *Activities) LoadStreamPage(ctx context.Context, in LoadPageInput) ([]StoredEvent, error) {
	stream := in.Stream
	evs, err := a.store.ReadStream(ctx, stream, in.From, in.Limit)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", stream, err)
	}
	out := make([]StoredEvent, len(evs))
	for i, e := range evs {
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			return nil, fmt.Errorf("load %s: metadata of revision %d: %w", stream, e.Revision, err)
		}
		out[i] = StoredEvent{Type: e.Type, Data: e.Data, Metadata: m, Revision: int64(e.Revision)}
	}
	return out, nil
}

// PersonEventInput is one fact to record about a person.
type PersonEventInput struct {
	Username string               `json:"username"`
	Event    helpdesk.PersonEvent `json:"event"`
	Metadata helpdesk.Metadata    `json:"metadata"`
}

// RecordPersonEvent appends to a person's stream. Several cases write
// there, so it appends at the head it reads and tries again on conflict;
// the deterministic ID makes a retried attempt a no-op.
func (a *Activities) RecordPersonEvent(ctx context.Context, in PersonEventInput) error {
	info := activity.GetInfo(ctx)
	id := eventstore.DeterministicID(info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.ActivityID, 0)
	data, err := json.Marshal(in.Event)
	if err != nil {
		return err
	}
	meta, err := json.Marshal(in.Metadata)
	if err != nil {
		return err
	}
	stream := helpdesk.PersonStream(in.Username)
	for {
		evs, err := a.store.ReadStream(ctx, stream, 0, 0)
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		expected := eventstore.NoStream()
		for _, e := range evs {
			if e.ID == id {
				return nil // an earlier attempt wrote it
			}
			expected = eventstore.Exact(e.Revision)
		}
		_, err = a.store.Append(ctx, stream, expected, eventstore.EventData{ID: id, Type: in.Event.EventType(), Data: data, Metadata: meta})
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			continue
		}
		if err != nil {
			return classify(err)
		}
		return nil
	}
}

// ActiveAccesses lists the access cases still active for a person.
func (a *Activities) ActiveAccesses(ctx context.Context, username string) ([]string, error) {
	p, err := people.Read(ctx, a.store, username)
	if err != nil {
		return nil, err
	}
	return p.Accesses, nil
}

// ErrTypeUsernameTaken is the application error type of ReserveUsername
// when the username is someone else's.
const ErrTypeUsernameTaken = "UsernameTaken"

// ReserveUsernameInput asks to reserve Username for the account the
// new-user case CaseID creates.
type ReserveUsernameInput struct {
	Username string            `json:"username"`
	CaseID   string            `json:"caseId"`
	Metadata helpdesk.Metadata `json:"metadata"`
}

// ReserveUsername reserves a username for a new account, or refuses it
// (ErrTypeUsernameTaken) when the directory holds it or another case
// reserved or created it. The reservation is a PersonEvent appended at the
// head the check read, so two cases asking for one name at once cannot
// both get it: the loser rereads and finds it taken. Reserving again for
// the same case is a no-op.
func (a *Activities) ReserveUsername(ctx context.Context, in ReserveUsernameInput) error {
	if a.users == nil {
		return temporal.NewNonRetryableApplicationError("activities: no directory to check usernames against", "NoDirectory", nil)
	}
	taken := temporal.NewNonRetryableApplicationError("username "+in.Username+" is taken", ErrTypeUsernameTaken, nil)
	if a.users.UsernameInUse(in.Username) {
		return taken
	}
	stream := helpdesk.PersonStream(in.Username)
	data, err := json.Marshal(helpdesk.PersonEvent{What: "username-reserved", CaseID: in.CaseID})
	if err != nil {
		return err
	}
	meta, err := json.Marshal(in.Metadata)
	if err != nil {
		return err
	}
	id := eventstore.DeterministicID(stream, in.CaseID, "username-reserved", 0)
	for {
		evs, err := a.store.ReadStream(ctx, stream, 0, 0)
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		expected := eventstore.NoStream()
		pes := make([]helpdesk.PersonEvent, 0, len(evs))
		for _, e := range evs {
			var pe helpdesk.PersonEvent
			if err := json.Unmarshal(e.Data, &pe); err != nil {
				return fmt.Errorf("read %s revision %d: %w", stream, e.Revision, err)
			}
			pes = append(pes, pe)
			expected = eventstore.Exact(e.Revision)
		}
		p := helpdesk.FoldPerson(pes)
		if p.TakenFor(in.CaseID) {
			return taken
		}
		if p.ReservedBy == in.CaseID {
			return nil // reserved already (a retry, or a second completion)
		}
		_, err = a.store.Append(ctx, stream, expected, eventstore.EventData{ID: id, Type: helpdesk.PersonEvent{}.EventType(), Data: data, Metadata: meta})
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			continue
		}
		if err != nil {
			return classify(err)
		}
		return nil
	}
}
