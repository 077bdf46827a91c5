package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// NewCase is a request to open a case (API.md section 4), as a door read
// it: Kind, and the request of that kind.
type NewCase struct {
	Kind helpdesk.Kind
	// Incident is the request of an incident or a guidance case.
	Incident  *helpdesk.OpenRequest
	Order     *helpdesk.OrderRequest
	NewUser   *helpdesk.NewUserRequest
	ESA       *helpdesk.ESARequest
	Departure *helpdesk.DepartureRequest
	// Attachments are uploaded files that come with an incident or a
	// guidance case (UploadAttachment).
	Attachments []AttachmentRef
	// IdempotencyKey, when set, makes a repeat of the request by the same
	// caller return the case the first one opened instead of a second.
	IdempotencyKey string
	// Fingerprint identifies the request's content, so a key reused for
	// another request is refused; empty means the desk derives it from
	// the request.
	Fingerprint string
}

// maxIdempotencyKey bounds an idempotency key, in bytes.
const maxIdempotencyKey = 200

// idempotencyNamespace derives case IDs from idempotency keys.
var idempotencyNamespace = uuid.MustParse("0b7e7c52-3f0e-5c7a-8f64-7f3c1d0e9a21")

// OpenCase opens a case and starts its durable workflow; it returns the
// case as recorded, as the actor may see it.
func (d *Desk) OpenCase(ctx context.Context, actor helpdesk.Actor, n NewCase) (helpdesk.Case, error) {
	act := ActionCreate(n.Kind)
	if _, known := policy[act]; !known {
		// A kind nobody may open: the generic action decides whether the
		// caller hears "forbidden" or "no such kind".
		if err := Authorize(actor, ActionCreateCase); err != nil {
			return helpdesk.Case{}, err
		}
		if n.Kind == "" {
			return helpdesk.Case{}, invalid("kind", "kind mangler", "kind is required")
		}
		return helpdesk.Case{}, invalid("kind", "ukjent eller ikke støttet sakstype", "unknown or unsupported case kind")
	}
	if err := Authorize(actor, act); err != nil {
		return helpdesk.Case{}, err
	}
	in, err := d.caseInput(ctx, actor, n)
	if err != nil {
		return helpdesk.Case{}, err
	}
	if len(n.Attachments) > 0 && in.Order == nil && in.ESA == nil && in.Departure == nil && in.NewUser == nil {
		if in.Attachments, err = d.attachmentsOf(n.Attachments); err != nil {
			return helpdesk.Case{}, err
		}
	} else if len(n.Attachments) > 0 {
		return helpdesk.Case{}, invalid("attachments", "bare feilmeldinger og veiledningssaker tar vedlegg", "only incident and guidance cases take attachments")
	}
	caseID, hash, err := creation(idempotencyNamespace, actor, n.IdempotencyKey, n.Fingerprint, n)
	if err != nil {
		return helpdesk.Case{}, err
	}
	in.CaseID, in.RequestHash = caseID.String(), hash
	if in.NewUser != nil && in.NewUser.ESA != nil {
		in.NewUser.ESACaseID = uuid.NewSHA1(caseID, []byte("esa-access")).String()
	}
	return d.startCase(ctx, actor, in)
}

// startCase starts the workflow of a new case (or finds the one already
// started under in.CaseID) and waits until the case is recorded. Every
// way a case is opened goes through here.
func (d *Desk) startCase(ctx context.Context, actor helpdesk.Actor, in workflows.CaseInput) (helpdesk.Case, error) {
	in.Actor, in.CorrelationID, in.Policy = actor, correlationID(ctx), d.policy
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	view, err := d.wf.StartCase(ctx, in)
	if errors.Is(err, ErrAlreadyStarted) {
		// The same key was used for a case that has already finished.
		c, lerr := d.loadCase(ctx, in.CaseID)
		if lerr == nil && actor.CanSee(c) {
			return c.VisibleTo(actor), nil
		}
	}
	if err != nil {
		return helpdesk.Case{}, engineError(err)
	}
	if view.RequestHash != in.RequestHash {
		return helpdesk.Case{}, errIdempotency
	}
	logctx.SetCaseRef(ctx, view.Case.Reference)
	return view.Case.VisibleTo(actor), nil
}

// creation names what a create request makes: its new ID — random, or
// derived from the caller and their idempotency key within namespace, so
// a retried request finds what the first one made — and the fingerprint
// that tells a retry from another request under the same key (the
// door's, or the hash of req).
func creation(namespace uuid.UUID, actor helpdesk.Actor, key, fp string, req any) (uuid.UUID, string, error) {
	if len(key) > maxIdempotencyKey {
		return uuid.Nil, "", invalid("Idempotency-Key", "Idempotency-Key er for lang (maks 200 tegn)", "Idempotency-Key is too long (max 200 characters)")
	}
	id := uuid.New()
	if key != "" {
		id = uuid.NewSHA1(namespace, []byte(actor.Username+"\x00"+key))
	}
	if fp == "" {
		fp = fingerprint(req)
	}
	return id, fp, nil
}

// fingerprint is the SHA-256 of a request's content.
func fingerprint(v any) string {
	b, _ := json.Marshal(v) // plain structs: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// caseInput checks a request of its kind and prepares the workflow's
// input: an order is priced and its approvers looked up here, because the
// workflow cannot read the catalog or the directory.
func (d *Desk) caseInput(ctx context.Context, actor helpdesk.Actor, n NewCase) (workflows.CaseInput, error) {
	missing := invalid("kind", "forespørselen mangler innhold for sakstypen", "the request has nothing for its kind")
	switch n.Kind {
	case helpdesk.KindIncident, helpdesk.KindGuidance:
		if n.Incident == nil {
			return workflows.CaseInput{}, missing
		}
		return d.incidentInput(ctx, actor, n.Kind, *n.Incident)
	case helpdesk.KindOrder:
		if n.Order == nil {
			return workflows.CaseInput{}, missing
		}
		return d.orderInput(actor, *n.Order)
	case helpdesk.KindESAAccess:
		if n.ESA == nil {
			return workflows.CaseInput{}, missing
		}
		return d.esaAccessInput(actor, *n.ESA)
	case helpdesk.KindDeparture:
		if n.Departure == nil {
			return workflows.CaseInput{}, missing
		}
		return d.departureInput(actor, *n.Departure)
	case helpdesk.KindNewUser:
		if n.NewUser == nil {
			return workflows.CaseInput{}, missing
		}
		return d.newUserInput(actor, *n.NewUser)
	}
	return workflows.CaseInput{}, invalid("kind", "ukjent eller ikke støttet sakstype", "unknown or unsupported case kind")
}

func (d *Desk) incidentInput(ctx context.Context, actor helpdesk.Actor, kind helpdesk.Kind, req helpdesk.OpenRequest) (workflows.CaseInput, error) {
	req.Kind = kind
	if err := req.Normalize(actor); err != nil {
		return workflows.CaseInput{}, fromDomain(err)
	}
	if req.OnBehalfOf != "" {
		if _, ok := d.dir.User(req.OnBehalfOf); !ok {
			return workflows.CaseInput{}, invalid("onBehalfOf", "ukjent bruker", "unknown user")
		}
	}
	in := workflows.CaseInput{Request: req}
	if req.Announcement != "" {
		link, err := d.activeOutage(ctx, req.Announcement)
		if err != nil {
			return workflows.CaseInput{}, err
		}
		in.Announcement = &link
	}
	return in, nil
}

func (d *Desk) orderInput(actor helpdesk.Actor, req helpdesk.OrderRequest) (workflows.CaseInput, error) {
	req.Kind = helpdesk.KindOrder
	order, budgetHolder, fallback, err := d.priceOrder(actor, &req)
	if err != nil {
		return workflows.CaseInput{}, err
	}
	return workflows.CaseInput{Order: &workflows.OrderInput{Request: req, Order: order, BudgetHolder: budgetHolder, Fallback: fallback}}, nil
}

// priceOrder prices an order from the catalog and finds who accepts its
// cost: the cost centre's budget holder, never the person ordering (then
// the fallback approver).
func (d *Desk) priceOrder(actor helpdesk.Actor, req *helpdesk.OrderRequest) (order helpdesk.Order, budgetHolder, fallback string, err error) {
	order, err = req.Price(d.catalog, d.dir.HasUnit)
	if err != nil {
		return order, "", "", fromDomain(err)
	}
	budgetHolder, fallback = d.dir.BudgetHolder(req.CostCenter), d.dir.FallbackApprover()
	if budgetHolder == "" || budgetHolder == actor.Username {
		// Nobody approves their own order.
		budgetHolder = fallback
	}
	if order.NeedsApproval() && (budgetHolder == "" || budgetHolder == actor.Username) {
		return order, "", "", refuse(Conflict, "costCenter",
			"ingen andre enn deg kan godkjenne kostnaden for denne enheten; velg en annen kostnadsbærer",
			"nobody but you could accept the cost for this unit; choose another cost centre")
	}
	return order, budgetHolder, fallback, nil
}

// managerOf refuses a manager's request about unit unless actor leads it.
func (d *Desk) managerOf(actor helpdesk.Actor, unit string) error {
	if d.dir.Manages(actor.Username, unit) {
		return nil
	}
	return refuse(Forbidden, "", "bare en leder for enheten "+unit+" kan be om dette", "only a manager of unit "+unit+" may ask for this")
}

// employeeOfMine refuses a request about an employee unless actor leads
// the employee's unit.
func (d *Desk) employeeOfMine(actor helpdesk.Actor, username string) error {
	u, ok := d.dir.User(username)
	if !ok {
		return invalid("employee", "ukjent ansatt", "unknown employee")
	}
	return d.managerOf(actor, u.Unit)
}

func (d *Desk) esaAccessInput(actor helpdesk.Actor, req helpdesk.ESARequest) (workflows.CaseInput, error) {
	req.Kind = helpdesk.KindESAAccess
	if err := req.Normalize(d.today()); err != nil {
		return workflows.CaseInput{}, fromDomain(err)
	}
	if err := d.employeeOfMine(actor, req.Employee); err != nil {
		return workflows.CaseInput{}, err
	}
	return workflows.CaseInput{ESA: d.esaInput(req, actor)}, nil
}

func (d *Desk) departureInput(actor helpdesk.Actor, req helpdesk.DepartureRequest) (workflows.CaseInput, error) {
	req.Kind = helpdesk.KindDeparture
	if err := req.Normalize(d.today()); err != nil {
		return workflows.CaseInput{}, fromDomain(err)
	}
	if err := d.employeeOfMine(actor, req.Employee); err != nil {
		return workflows.CaseInput{}, err
	}
	if req.MailboxForwardTo != "" {
		if _, ok := d.dir.User(req.MailboxForwardTo); !ok {
			return workflows.CaseInput{}, invalid("mailboxForwardTo", "ukjent bruker", "unknown user")
		}
	}
	u, _ := d.dir.User(req.Employee)
	return workflows.CaseInput{Departure: &workflows.DepartureInput{Request: req, DisplayName: u.DisplayName}}, nil
}

func (d *Desk) newUserInput(actor helpdesk.Actor, req helpdesk.NewUserRequest) (workflows.CaseInput, error) {
	req.Kind = helpdesk.KindNewUser
	if err := req.Normalize(d.today(), d.catalog); err != nil {
		return workflows.CaseInput{}, fromDomain(err)
	}
	if !d.dir.HasUnit(req.Unit) {
		return workflows.CaseInput{}, invalid("unit", "ukjent enhet", "unknown unit")
	}
	if err := d.managerOf(actor, req.Unit); err != nil {
		return workflows.CaseInput{}, err
	}
	in := &workflows.NewUserInput{Request: req}
	if e := req.ESAAccess; e != nil {
		in.ESA = d.esaInput(helpdesk.ESARequest{Kind: helpdesk.KindESAAccess, Role: e.Role, Units: e.Units, AccessCodes: e.AccessCodes,
			Justification: "Ny ansatt: " + req.DisplayName() + ", " + req.JobTitle, ValidFrom: req.StartDate, ValidTo: req.EndDate}, actor)
	}
	return workflows.CaseInput{NewUser: in}, nil
}

// esaInput looks up who approves an ESA request: the system owner (never
// the requester), the service owner for sensitive codes and as fallback.
func (d *Desk) esaInput(req helpdesk.ESARequest, actor helpdesk.Actor) *workflows.ESAInput {
	fallback := d.dir.FallbackApprover()
	owner := d.dir.WithRole(helpdesk.RoleESAOwner)
	if owner == "" || owner == actor.Username {
		owner = fallback
	}
	return &workflows.ESAInput{Request: req, Access: req.Access(actor.Username, d.policy.SensitiveAccessCodes),
		Owner: owner, Second: fallback, Fallback: fallback}
}

// clipRunes shortens s to at most max characters.
func clipRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max])
}
