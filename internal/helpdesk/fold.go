package helpdesk

// NewCase is the state before the first event.
func NewCase() Case { return Case{Revision: -1} }

// Apply folds one event into the case. It is the single definition of what
// an event means: workflows, projections and the auditor's replay all use it.
func (c *Case) Apply(e Event, m Metadata, revision int64) {
	switch e := deref(e).(type) {
	case CaseOpened:
		c.ID = e.CaseID
		c.Reference = e.Reference
		c.Kind = e.Kind
		c.Title = e.Title
		c.Description = e.Description
		c.Priority = e.Priority
		c.Service = e.Service
		c.Channel = e.Channel
		c.Reporter = e.Reporter
		c.CreatedBy = e.CreatedBy
		c.Group = e.Group
		c.Status = StatusNew
		c.CreatedAt = m.OccurredAt
	case CaseClaimed:
		c.Assignee = e.Assignee
		c.Status = StatusInProgress
	case CaseResolved:
		c.Resolution = e.Resolution
		c.Status = StatusResolved
		c.ResolvedAt = m.OccurredAt
	case CaseClosed:
		c.Status = StatusClosed
		c.ClosedAt = m.OccurredAt
	}
	c.UpdatedAt = m.OccurredAt
	c.Revision = revision
}

// deref lets Apply take events by value or by pointer (as DecodeEvent
// returns them).
func deref(e Event) Event {
	switch p := e.(type) {
	case *CaseOpened:
		return *p
	case *CaseClaimed:
		return *p
	case *CaseResolved:
		return *p
	case *CaseClosed:
		return *p
	case *ReferenceAllocated:
		return *p
	}
	return e
}
