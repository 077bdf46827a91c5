package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attributes: each case workflow keeps these up to date as the
// case changes, so an operator finds a case in Temporal's own tools (the
// CLI's `temporal workflow list --query`, the Web UI) by its reference,
// or every open access of a kind:
//
//	CaseReference="BH-2026-000001"
//	CaseKind="esa-access" AND CaseStatus="active"
//
// They must be registered on the namespace before a worker runs (the
// embedded server of `brukerhjelp dev` registers them; on a cluster see
// docs/OPERATIONS.md): a workflow upserting an unknown attribute fails its
// workflow task until it is registered.
var (
	SearchCaseReference = temporal.NewSearchAttributeKeyKeyword("CaseReference")
	SearchCaseKind      = temporal.NewSearchAttributeKeyKeyword("CaseKind")
	SearchCaseStatus    = temporal.NewSearchAttributeKeyKeyword("CaseStatus")
	SearchCaseAssignee  = temporal.NewSearchAttributeKeyKeyword("CaseAssignee")
	SearchCaseGroup     = temporal.NewSearchAttributeKeyKeyword("CaseGroup")
)

// SearchAttributes are the custom search attributes the workflows upsert,
// by name, with their type: what a namespace must have registered.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKeyKeyword{SearchCaseReference, SearchCaseKind, SearchCaseStatus, SearchCaseAssignee, SearchCaseGroup} {
		out[k.GetName()] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return out
}

// searchValues are a case's search attributes as last upserted.
type searchValues struct {
	reference, kind, status, assignee, group string
}

// upsertSearch brings the workflow's search attributes in line with the
// case, upserting only what changed; an empty value (nobody assigned) is
// unset. A run that is not searchable (a CaseWorkflow recorded before
// them) does nothing.
func (w *caseRun) upsertSearch(ctx workflow.Context) {
	if !w.searchable || w.state.ID == "" {
		return
	}
	c := w.state
	now := searchValues{reference: c.Reference, kind: string(c.Kind), status: string(c.Status), assignee: c.Assignee, group: c.Group}
	var was searchValues
	if w.searched != nil {
		was = *w.searched
	}
	var updates []temporal.SearchAttributeUpdate
	for _, a := range []struct {
		key      temporal.SearchAttributeKeyKeyword
		was, now string
	}{
		{SearchCaseReference, was.reference, now.reference},
		{SearchCaseKind, was.kind, now.kind},
		{SearchCaseStatus, was.status, now.status},
		{SearchCaseAssignee, was.assignee, now.assignee},
		{SearchCaseGroup, was.group, now.group},
	} {
		switch {
		case a.was == a.now:
		case a.now == "":
			updates = append(updates, a.key.ValueUnset())
		default:
			updates = append(updates, a.key.ValueSet(a.now))
		}
	}
	w.searched = &now
	if len(updates) == 0 {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		// Only a malformed update fails here; the case goes on without.
		workflow.GetLogger(ctx).Warn("search attributes not upserted", "error", err)
	}
}
