// Package desk is Brukerhjelp's application layer: every use case of the
// help desk, one command or query per file, for every door (the JSON API
// in api/, the web pages in web/, inbound mail in internal/mailin).
//
// A door authenticates the caller, reads its request into the plain
// inputs declared here and calls one method with the caller's
// helpdesk.Actor (Desk.Actor). The method decides who may (policy.go, the
// one role × action table, "may this actor see this case", separation of
// duties), checks what only the directory, the catalog or the record can
// tell, starts or steers the workflow, and returns domain values or an
// *Error whose Kind the door maps to its own answer (errors.go). No door
// holds a rule of its own.
//
// The desk reaches Temporal, the record and the read model through the
// small interfaces below, declared by their consumer.
package desk

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/catalog"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Record is the part of the event store the desk reads, and appends the
// record of reads to (record_read.go). eventstore.Store implements it.
type Record interface {
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error)
	ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error)
	Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error)
	Verify(ctx context.Context, stream string) (eventstore.VerifyResult, error)
	VerifyAll(ctx context.Context) (eventstore.VerifyResult, error)
}

// Lists are the read model's queues and task lists, a moment behind the
// record. *readmodel.DB implements it.
type Lists interface {
	ListCases(ctx context.Context, f readmodel.Filter) (readmodel.Page, error)
	ListTasks(ctx context.Context, f readmodel.TaskFilter) ([]readmodel.TaskItem, error)
}

// Notifications are the in-app notifications in the read model.
// *readmodel.DB implements it.
type Notifications interface {
	ListNotifications(ctx context.Context, f readmodel.NotificationFilter) (readmodel.NotificationPage, error)
	MarkNotificationRead(ctx context.Context, recipient, id string, at time.Time) (readmodel.Notification, error)
}

// Reports fills a KPI report with the figures of its period (from the
// read model's indexes, not by folding every case). *readmodel.DB
// implements it.
type Reports interface {
	FillKPI(ctx context.Context, b *kpi.Builder) error
}

// Announcements lists announcements from the read model, and finds the
// ids behind a DRIFT-reference there. *readmodel.DB implements it.
type Announcements interface {
	ListAnnouncements(ctx context.Context, f readmodel.AnnouncementFilter) ([]helpdesk.Announcement, error)
	AnnouncementIDs(ctx context.Context, ref string) ([]string, error)
}

// Config is what a Desk depends on. Workflows, Record and Directory are
// required; a read-model part left nil makes the queries that need it
// answer Unavailable.
type Config struct {
	Workflows Workflows
	Record    Record
	Directory *directory.Directory
	// Policy is what new cases run under; nil means the defaults.
	Policy *workflows.CasePolicy
	// Catalog is the standard catalog; nil means the built-in one.
	Catalog       helpdesk.Catalog
	Lists         Lists
	Notifications Notifications
	Reports       Reports
	Announcements Announcements
	// Attachments keeps uploaded files; nil refuses uploads.
	Attachments *attachments.Store
	// Privacy erases personal data (the erasure workflow), People finds
	// the cases that concern a person (the read model), Retention is the
	// policy in force (nil: helpdesk.DefaultRetention), Codec decodes
	// Temporal payloads for an operator (privacy.go); each left nil makes
	// what needs it answer Unavailable.
	Privacy   Privacy
	People    People
	Retention *helpdesk.RetentionPolicy
	Codec     converter.PayloadCodec
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Desk is the application layer. Its methods are safe for concurrent use.
type Desk struct {
	wf       Workflows
	record   Record
	dir      *directory.Directory
	policy   workflows.CasePolicy
	catalog  helpdesk.Catalog
	lists    Lists
	notes    Notifications
	reports  Reports
	ann      Announcements
	files    *attachments.Store
	now      func() time.Time
	recorder *readRecorder
	erasure  Privacy
	people   People
	retain   helpdesk.RetentionPolicy
	codec    converter.PayloadCodec
}

// New builds the desk; it refuses to run without its required parts.
func New(cfg Config) (*Desk, error) {
	if cfg.Workflows == nil || cfg.Record == nil || cfg.Directory == nil {
		return nil, errors.New("desk: workflows, record and directory are required")
	}
	d := &Desk{wf: cfg.Workflows, record: cfg.Record, dir: cfg.Directory, policy: workflows.DefaultCasePolicy(),
		catalog: cfg.Catalog, lists: cfg.Lists, notes: cfg.Notifications, reports: cfg.Reports, ann: cfg.Announcements, files: cfg.Attachments, now: cfg.Now}
	if cfg.Policy != nil {
		d.policy = *cfg.Policy
	}
	d.erasure, d.people, d.codec, d.retain = cfg.Privacy, cfg.People, cfg.Codec, helpdesk.DefaultRetention()
	if cfg.Retention != nil {
		d.retain = *cfg.Retention
	}
	if d.catalog == nil {
		d.catalog = catalog.Default()
	}
	if d.now == nil {
		d.now = time.Now
	}
	d.recorder = newReadRecorder(cfg.Record)
	return d, nil
}

// Directory is the organisation the desk decides with.
func (d *Desk) Directory() *directory.Directory { return d.dir }

// Catalog is the standard catalog orders are priced from.
func (d *Desk) Catalog() helpdesk.Catalog { return d.catalog }

// CasePolicy is the configuration new cases run under (SLA targets, the
// service calendar, routes).
func (d *Desk) CasePolicy() workflows.CasePolicy { return d.policy }

// today is the date in Oslo, as user-management requests and deputies
// are dated.
func (d *Desk) today() string { return d.now().In(helpdesk.Oslo).Format(time.DateOnly) }

// stepTimeout bounds how long a command waits for its workflow.
const stepTimeout = 30 * time.Second
