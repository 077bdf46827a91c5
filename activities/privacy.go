package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/mail"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
)

// Erasure of personal data (docs/PRIVACY.md): finding what retention
// erases, and erasing one case: its data key destroyed, the erasure on
// its record, its mail and files gone, its Temporal histories deleted.
// Each step is idempotent, so a retried activity finishes the job.

// Candidates finds the cases retention may concern and who still holds
// a file (the read model answers it; it is a hint, the record decides).
type Candidates interface {
	EndedCases(ctx context.Context, kind helpdesk.Kind, endedBefore time.Time, after string, limit int) ([]string, error)
	AttachmentHolders(ctx context.Context, sha256 string) ([]string, error)
}

// WorkflowEngine is what an erasure asks Temporal: whether a case's
// workflow still runs, and to delete its finished runs' histories.
// client.Client implements it.
type WorkflowEngine interface {
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
	WorkflowService() workflowservice.WorkflowServiceClient
}

// PrivacyOptions are what the erasure activities need.
type PrivacyOptions struct {
	// Record is the record as stored, to see what is encrypted.
	Record *privacy.Store
	// Keys destroys the data keys.
	Keys privacy.KeyStore
	// Candidates: the read model.
	Candidates Candidates
	// OutboxDir holds outgoing mail as files ("" when mail goes out by
	// relay); AttachmentDir the attachments ("" when this process has
	// none).
	OutboxDir, AttachmentDir string
	// Engine and Namespace: the case workflows' Temporal (nil: histories
	// are left to the namespace's retention).
	Engine    WorkflowEngine
	Namespace string
}

// WithPrivacy gives the activities what erasing needs.
func WithPrivacy(o PrivacyOptions) Option { return func(a *Activities) { a.privacy = &o } }

// Error type of an erasure that cannot be done here at all.
const ErrTypeNoPrivacy = "NoPrivacy"

// ErasureItem is one case (or a person's own stream) to erase, and why.
type ErasureItem struct {
	CaseID    string        `json:"caseId,omitempty"`
	Reference string        `json:"reference,omitempty"`
	Kind      helpdesk.Kind `json:"kind,omitempty"`
	// Stream is a person's stream (helpdesk.PersonStream) to erase
	// instead of a case.
	Stream  string `json:"stream,omitempty"`
	Rule    string `json:"rule"`
	Basis   string `json:"basis"`
	BasisEn string `json:"basisEn"`
}

// FindDueInput asks for the cases of Kind that retention erases at AsOf,
// after the case ID After, at most Limit.
type FindDueInput struct {
	Policy helpdesk.RetentionPolicy `json:"policy"`
	Kind   helpdesk.Kind            `json:"kind"`
	AsOf   time.Time                `json:"asOf"`
	After  string                   `json:"after,omitempty"`
	Limit  int                      `json:"limit"`
}

// FindDueOutput is one page: the cases to erase, how many were looked at
// and how many a legal hold keeps, and where the next page starts ("" at
// the end).
type FindDueOutput struct {
	Items   []ErasureItem `json:"items"`
	Checked int           `json:"checked"`
	Held    int           `json:"held"`
	Next    string        `json:"next,omitempty"`
}

// FindDueForErasure finds what retention erases: the read model names
// the cases of the kind that ended long enough ago, and each is decided
// on its record (helpdesk.RetentionPolicy.Due), legal hold included.
func (a *Activities) FindDueForErasure(ctx context.Context, in FindDueInput) (FindDueOutput, error) {
	if a.privacy == nil || a.privacy.Candidates == nil {
		return FindDueOutput{}, temporal.NewNonRetryableApplicationError("retention needs the read model", ErrTypeNoPrivacy, nil)
	}
	rule, ok := in.Policy.Rule(in.Kind)
	if !ok {
		return FindDueOutput{}, nil
	}
	limit := in.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	cutoff := in.AsOf.In(helpdesk.Oslo).AddDate(-rule.Years, 0, -rule.Days)
	ids, err := a.privacy.Candidates.EndedCases(ctx, in.Kind, cutoff.Add(time.Second), in.After, limit)
	if err != nil {
		return FindDueOutput{}, err
	}
	var out FindDueOutput
	for _, id := range ids {
		out.Checked++
		c, hold, err := a.caseAndHold(ctx, id)
		if errors.Is(err, audit.ErrNoCase) {
			continue
		}
		if err != nil {
			return FindDueOutput{}, err
		}
		d := in.Policy.Due(c, hold, in.AsOf)
		if d.Kept == helpdesk.KeptLegalHold {
			out.Held++
		}
		if d.Erase {
			out.Items = append(out.Items, ErasureItem{CaseID: c.ID, Reference: c.Reference, Kind: c.Kind, Rule: d.Rule, Basis: d.Basis, BasisEn: d.BasisEn})
		}
	}
	if len(ids) == limit {
		out.Next = ids[len(ids)-1]
	}
	return out, nil
}

func (a *Activities) caseAndHold(ctx context.Context, id string) (helpdesk.Case, helpdesk.LegalHold, error) {
	evs, err := a.store.ReadStream(ctx, helpdesk.Stream(id), 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return helpdesk.Case{}, helpdesk.LegalHold{}, audit.ErrNoCase
	}
	if err != nil {
		return helpdesk.Case{}, helpdesk.LegalHold{}, err
	}
	c, err := audit.Fold(evs)
	if err != nil {
		return c, helpdesk.LegalHold{}, err
	}
	hold, err := audit.LegalHold(ctx, a.store, id)
	return c, hold, err
}

// EraseInput erases one item; By is who decided (the data protection
// officer, or the help desk's retention).
type EraseInput struct {
	Item ErasureItem `json:"item"`
	By   string      `json:"by"`
}

// EraseOutput says what the erasure did, or why it kept the data.
type EraseOutput struct {
	Item   ErasureItem `json:"item"`
	Erased bool        `json:"erased"`
	// Kept is why nothing was erased (a helpdesk.Kept… code) and Basis
	// its explanation, when Erased is false.
	Kept    string   `json:"kept,omitempty"`
	Basis   string   `json:"basis,omitempty"`
	BasisEn string   `json:"basisEn,omitempty"`
	Keys    []string `json:"keys,omitempty"`
	Fields  []string `json:"fields,omitempty"`
	Events  int      `json:"events"`
	// Unencrypted events were recorded before encryption: they keep
	// their text (the record never changes).
	Unencrypted int `json:"unencrypted,omitempty"`
	Mails       int `json:"mails,omitempty"`
	Files       int `json:"files,omitempty"`
	Histories   int `json:"histories,omitempty"`
}

// ErasePersonalData erases one case's personal data: it checks the case
// has ended and is not held, destroys its data key, records
// PersonalDataErased on its stream (with a deterministic event ID, so a
// retry does not record it twice), empties its mail in the outbox,
// deletes its files no other case holds, and deletes its workflow's
// finished histories from Temporal.
func (a *Activities) ErasePersonalData(ctx context.Context, in EraseInput) (EraseOutput, error) {
	if a.privacy == nil || a.privacy.Keys == nil || a.privacy.Record == nil {
		return EraseOutput{}, temporal.NewNonRetryableApplicationError("erasure needs the key store", ErrTypeNoPrivacy, nil)
	}
	info := activity.GetInfo(ctx)
	x := execution{info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.ActivityID}
	if in.Item.Stream != "" {
		return a.erasePerson(ctx, in, x)
	}
	out := EraseOutput{Item: in.Item}
	c, hold, err := a.caseAndHold(ctx, in.Item.CaseID)
	if errors.Is(err, audit.ErrNoCase) {
		return out, temporal.NewNonRetryableApplicationError("no such case "+in.Item.CaseID, "NoCase", err)
	}
	if err != nil {
		return out, err
	}
	stream := helpdesk.Stream(c.ID)
	done := c.Erasure != nil && erasedBy(ctx, a.store, stream, x)
	// What was true when the erasure was decided must still be: a hold
	// set since, or (for a request) a case reopened, keeps the data.
	switch {
	case done:
	case hold.Active:
		out.Kept, out.Basis, out.BasisEn = helpdesk.KeptLegalHold, "Rettslig hold: "+hold.Reason, "Legal hold: "+hold.Reason
		return out, nil
	case c.Erasure != nil:
		out.Kept, out.Basis, out.BasisEn = helpdesk.KeptErased, "Allerede slettet", "Already erased"
		return out, nil
	case !c.Final():
		out.Kept, out.Basis, out.BasisEn = helpdesk.KeptOpen, "Saken er under behandling", "The case is still being handled"
		return out, nil
	}
	if !done {
		running, err := a.workflowRunning(ctx, "case-"+c.ID)
		if err != nil {
			return out, err
		}
		if running {
			out.Kept, out.Basis, out.BasisEn = helpdesk.KeptOpen, "Saksflyten kjører fortsatt", "The case's workflow is still running"
			return out, nil
		}
	}
	// The copies go first, while the key still tells which files and
	// mail are the case's; a retry after the key is gone finds them gone.
	if out.Mails, err = a.eraseMail(c.ID); err != nil {
		return out, err
	}
	if out.Files, err = a.eraseFiles(ctx, c.ID, caseFiles(c)); err != nil {
		return out, err
	}
	ins, err := a.privacy.Record.Inspect(ctx, stream)
	if err != nil {
		return out, err
	}
	out.Fields, out.Events, out.Unencrypted = ins.Fields, ins.Encrypted, ins.Unencrypted
	keys, err := a.privacy.Keys.Erase(ctx, helpdesk.KeyScope(stream), in.Item.Rule)
	if err != nil {
		return out, err
	}
	out.Keys = append(ins.Keys[:0:0], ins.Keys...)
	if len(keys) > 0 {
		out.Keys = keys
	}
	ev := helpdesk.PersonalDataErased{Rule: in.Item.Rule, Basis: in.Item.Basis, BasisEn: in.Item.BasisEn, By: in.By,
		Fields: out.Fields, Events: out.Events, Keys: out.Keys, Unencrypted: out.Unencrypted}
	if err := a.appendOnce(ctx, stream, x, ev, in.By); err != nil {
		return out, err
	}
	out.Erased = true
	if out.Histories, err = a.deleteHistories(ctx, "case-"+c.ID); err != nil {
		return out, err
	}
	activity.GetLogger(ctx).Info("personal data erased", "case", c.Reference, "rule", in.Item.Rule, "events", out.Events,
		"mails", out.Mails, "files", out.Files, "histories", out.Histories)
	return out, nil
}

// erasePerson erases a person's own stream (the display name of an
// account a new-user case made, the details of their accesses).
func (a *Activities) erasePerson(ctx context.Context, in EraseInput, x execution) (EraseOutput, error) {
	out := EraseOutput{Item: in.Item}
	stream := in.Item.Stream
	if !strings.HasPrefix(stream, "person-") {
		return out, temporal.NewNonRetryableApplicationError("not a person's stream: "+stream, "NoCase", nil)
	}
	ins, err := a.privacy.Record.Inspect(ctx, stream)
	if err != nil {
		return out, err
	}
	out.Fields, out.Events, out.Unencrypted = ins.Fields, ins.Encrypted, ins.Unencrypted
	keys, err := a.privacy.Keys.Erase(ctx, helpdesk.KeyScope(stream), in.Item.Rule)
	if err != nil {
		return out, err
	}
	out.Keys = append(ins.Keys[:0:0], ins.Keys...)
	if len(keys) > 0 {
		out.Keys = keys
	}
	ev := helpdesk.PersonalDataErased{Rule: in.Item.Rule, Basis: in.Item.Basis, BasisEn: in.Item.BasisEn, By: in.By,
		Fields: out.Fields, Events: out.Events, Keys: out.Keys, Unencrypted: out.Unencrypted}
	if err := a.appendOnce(ctx, stream, x, ev, in.By); err != nil {
		return out, err
	}
	out.Erased = true
	return out, nil
}

// erasedBy reports whether this activity execution already recorded its
// erasure on stream (an earlier attempt got that far).
func erasedBy(ctx context.Context, r audit.Reader, stream string, x execution) bool {
	id := eventstore.DeterministicID(x.workflowID, x.runID, x.activityID, 0)
	evs, err := r.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		return false
	}
	for _, e := range evs {
		if e.ID == id {
			return true
		}
	}
	return false
}

// appendOnce appends ev at the stream's head with this execution's
// deterministic ID, unless an earlier attempt already did. Other writers
// of the stream (a person's stream has several) may win a race; then it
// reads the head again.
func (a *Activities) appendOnce(ctx context.Context, stream string, x execution, ev helpdesk.Event, actor string) error {
	id := eventstore.DeterministicID(x.workflowID, x.runID, x.activityID, 0)
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	meta, err := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	for attempt := 0; attempt < 10; attempt++ {
		evs, err := a.store.ReadStream(ctx, stream, 0, 0)
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			return err
		}
		expected := eventstore.NoStream()
		for _, e := range evs {
			if e.ID == id {
				return nil // recorded by an earlier attempt
			}
		}
		if len(evs) > 0 {
			expected = eventstore.Exact(evs[len(evs)-1].Revision)
		}
		_, err = a.store.Append(ctx, stream, expected, eventstore.EventData{ID: id, Type: ev.EventType(), Data: data, Metadata: meta})
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			continue
		}
		if err != nil {
			return classify(err)
		}
		return nil
	}
	return fmt.Errorf("record %s on %s: the stream kept moving", ev.EventType(), stream)
}

// caseFiles are the content hashes of a case's files.
func caseFiles(c helpdesk.Case) []string {
	var out []string
	add := func(as []helpdesk.Attachment) {
		for _, at := range as {
			if at.SHA256 != "" && !helpdesk.IsErased(at.SHA256) {
				out = append(out, at.SHA256)
			}
		}
	}
	add(c.Attachments)
	for _, cm := range c.Comments {
		add(cm.Attachments)
	}
	return out
}

func (a *Activities) eraseMail(caseID string) (int, error) {
	if a.privacy.OutboxDir == "" {
		return 0, nil
	}
	return mail.Outbox{Dir: a.privacy.OutboxDir}.EraseCase(caseID, time.Now())
}

// eraseFiles deletes the case's files that no other case holds. Files are
// stored by content, so two cases can share one; the read model knows who
// holds which (it may not have seen this erasure yet: the case itself does
// not count).
func (a *Activities) eraseFiles(ctx context.Context, caseID string, hashes []string) (int, error) {
	if a.privacy.AttachmentDir == "" || len(hashes) == 0 {
		return 0, nil
	}
	store := attachments.Store{Dir: a.privacy.AttachmentDir}
	n := 0
	for _, h := range hashes {
		if a.privacy.Candidates != nil {
			holders, err := a.privacy.Candidates.AttachmentHolders(ctx, h)
			if err != nil {
				return n, err
			}
			if otherThan(holders, caseID) {
				continue
			}
		}
		if _, err := store.Stat(h); err != nil {
			continue // gone already
		}
		if err := store.Delete(h); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func otherThan(ids []string, id string) bool {
	for _, x := range ids {
		if x != id {
			return true
		}
	}
	return false
}

// workflowRunning reports whether workflowID's current run is still open,
// as the history service knows it (visibility may lag).
func (a *Activities) workflowRunning(ctx context.Context, workflowID string) (bool, error) {
	if a.privacy.Engine == nil {
		return false, nil
	}
	d, err := a.privacy.Engine.DescribeWorkflowExecution(ctx, workflowID, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ask temporal about %s: %w", workflowID, err)
	}
	return d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}

// deleteHistories deletes every finished run of workflowID from Temporal:
// the histories are encrypted, but the codec's key is everyone's, so only
// deleting them makes the case's text go from Temporal's database too.
// The current run is found by the history service, earlier runs (before
// continue-as-new) by visibility.
func (a *Activities) deleteHistories(ctx context.Context, workflowID string) (int, error) {
	if a.privacy.Engine == nil {
		return 0, nil
	}
	runs := map[string]bool{}
	if d, err := a.privacy.Engine.DescribeWorkflowExecution(ctx, workflowID, ""); err == nil {
		if info := d.GetWorkflowExecutionInfo(); info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			runs[info.GetExecution().GetRunId()] = true
		}
	} else if nf := (*serviceerror.NotFound)(nil); !errors.As(err, &nf) {
		return 0, fmt.Errorf("ask temporal about %s: %w", workflowID, err)
	}
	resp, err := a.privacy.Engine.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: a.privacy.Namespace, Query: fmt.Sprintf("WorkflowId = '%s' AND ExecutionStatus != 'Running'", workflowID)})
	if err != nil {
		return 0, fmt.Errorf("list runs of %s: %w", workflowID, err)
	}
	for _, ex := range resp.GetExecutions() {
		runs[ex.GetExecution().GetRunId()] = true
	}
	n := 0
	for run := range runs {
		_, err := a.privacy.Engine.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
			Namespace: a.privacy.Namespace, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: workflowID, RunId: run}})
		var nf *serviceerror.NotFound
		if err != nil && !errors.As(err, &nf) {
			return n, fmt.Errorf("delete run %s of %s: %w", run, workflowID, err)
		}
		n++
	}
	return n, nil
}
