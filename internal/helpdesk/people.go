package helpdesk

// Kinds' opening events for user management. The manager who asks is the
// reporter; the employee is the subject.

// OpenAccess decides the opening event of an esa-access case.
func OpenAccess(caseID, reference string, r ESARequest, a ESAAccess, actor Actor) CaseOpened {
	return CaseOpened{CaseID: caseID, Reference: reference, Kind: KindESAAccess,
		Title:       "ESA-tilgang for " + r.Employee + ": " + a.Role,
		Description: r.Justification, Channel: ChannelPortal,
		Reporter: actor.Username, CreatedBy: actor.Username, Group: "arkiv"}
}

// DepartureRequest is a manager's notice that an employee leaves.
type DepartureRequest struct {
	Kind             Kind   `json:"kind"`
	Employee         string `json:"employee"`
	LastWorkingDay   string `json:"lastWorkingDay"` // YYYY-MM-DD; takes effect at 16:00 Oslo
	MailboxForwardTo string `json:"mailboxForwardTo,omitempty"`
	ReturnEquipment  bool   `json:"returnEquipment,omitempty"`
}

// Normalize cleans the request's text and checks it against today
// (YYYY-MM-DD, Oslo): the last working day lies between today and
// MaxPlanAhead days ahead.
func (r *DepartureRequest) Normalize(today string) error {
	if err := line("employee", &r.Employee, MaxUsername, true); err != nil {
		return err
	}
	if err := dateWithin("lastWorkingDay", r.LastWorkingDay, today, MaxPlanAhead, "i fortiden", "in the past"); err != nil {
		return err
	}
	if err := line("mailboxForwardTo", &r.MailboxForwardTo, MaxUsername, false); err != nil {
		return err
	}
	if r.MailboxForwardTo == r.Employee && r.Employee != "" {
		return invalid("mailboxForwardTo", "e-post kan ikke videresendes til den som slutter", "mail cannot be forwarded to the person leaving")
	}
	return nil
}

// OpenDeparture decides the opening event of a departure case.
func OpenDeparture(caseID, reference string, r DepartureRequest, displayName string, actor Actor) CaseOpened {
	return CaseOpened{CaseID: caseID, Reference: reference, Kind: KindDeparture,
		Title:    "Fratreden: " + displayName + " (siste arbeidsdag " + r.LastWorkingDay + ")",
		Channel:  ChannelPortal,
		Reporter: actor.Username, CreatedBy: actor.Username, Group: FirstLineGroup}
}

// DepartureRequested records what the manager asked for.
type DepartureRequested struct {
	Departure DepartureRequest `json:"departure"`
}

// DepartureTookEffect: the last working day ended; access is being
// removed.
type DepartureTookEffect struct {
	Accesses []string `json:"accesses"` // the access cases asked to revoke
}

// NewUserRequest is a manager's request to onboard a new employee.
type NewUserRequest struct {
	Kind     Kind `json:"kind"`
	Employee struct {
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
	} `json:"employee"`
	Unit      string      `json:"unit"`
	JobTitle  string      `json:"jobTitle"`
	StartDate string      `json:"startDate"`
	EndDate   string      `json:"endDate,omitempty"`
	Equipment []string    `json:"equipment,omitempty"`
	Software  []string    `json:"software,omitempty"`
	ESAAccess *NewUserESA `json:"esaAccess,omitempty"`
}

// NewUserESA is the ESA access a new employee needs from the start.
type NewUserESA struct {
	Role        string   `json:"role"`
	Units       []string `json:"units"`
	AccessCodes []string `json:"accessCodes"`
}

// Normalize cleans the request's text and checks it against today and
// the catalog: the start date lies between today and MaxPlanAhead days
// ahead, the end date between the start and MaxValidity days after it.
func (r *NewUserRequest) Normalize(today string, cat Catalog) error {
	if err := line("employee.givenName", &r.Employee.GivenName, 100, true); err != nil {
		return err
	}
	if err := line("employee.familyName", &r.Employee.FamilyName, 100, true); err != nil {
		return err
	}
	if err := line("unit", &r.Unit, MaxIdentifier, true); err != nil {
		return err
	}
	if err := line("jobTitle", &r.JobTitle, 200, true); err != nil {
		return err
	}
	if err := dateWithin("startDate", r.StartDate, today, MaxPlanAhead, "i fortiden", "in the past"); err != nil {
		return err
	}
	if r.EndDate != "" {
		if IsDate(r.EndDate) && r.EndDate < r.StartDate {
			return invalid("endDate", "endDate må være en gyldig dato etter startDate", "endDate must be a valid date after startDate")
		}
		if err := dateWithin("endDate", r.EndDate, r.StartDate, MaxValidity, "før startDate", "before startDate"); err != nil {
			return err
		}
	}
	if len(r.Equipment) > maxListItems || len(r.Software) > maxListItems {
		return invalid("equipment", "for mange verdier", "too many values")
	}
	if err := lines("equipment", r.Equipment, 100); err != nil {
		return err
	}
	for i, e := range r.Equipment {
		if _, ok := cat[e]; !ok {
			f := "equipment[" + itoa(i) + "]"
			return invalid(f, "ukjent katalogvare", "unknown catalog item")
		}
	}
	if err := lines("software", r.Software, 100); err != nil {
		return err
	}
	if e := r.ESAAccess; e != nil {
		if err := line("esaAccess.role", &e.Role, 100, true); err != nil {
			return err
		}
		if err := requireList("esaAccess.units", e.Units); err != nil {
			return err
		}
		if err := requireList("esaAccess.accessCodes", e.AccessCodes); err != nil {
			return err
		}
	}
	return nil
}

// DisplayName is the new employee's full name.
func (r NewUserRequest) DisplayName() string {
	return r.Employee.GivenName + " " + r.Employee.FamilyName
}

// OpenNewUser decides the opening event of a new-user case.
func OpenNewUser(caseID, reference string, r NewUserRequest, actor Actor) CaseOpened {
	return CaseOpened{CaseID: caseID, Reference: reference, Kind: KindNewUser,
		Title:    "Ny bruker: " + r.DisplayName() + ", " + r.JobTitle + " (start " + r.StartDate + ")",
		Channel:  ChannelPortal,
		Reporter: actor.Username, CreatedBy: actor.Username, Group: FirstLineGroup}
}

// NewUserRequested records what the manager asked for.
type NewUserRequested struct {
	Request NewUserRequest `json:"request"`
}

// UserAccountCreated: the new employee's account exists.
type UserAccountCreated struct {
	Username string `json:"username"`
}

// OnboardingReported: on the start date, the manager is told whether all
// is ready, and what is not.
type OnboardingReported struct {
	Ready   bool     `json:"ready"`
	Missing []string `json:"missing,omitempty"`
}

// OnboardingEscalated: three service days before the start, work is still
// open.
type OnboardingEscalated struct {
	Missing []string `json:"missing"`
}

func (DepartureRequested) EventType() string  { return "DepartureRequested" }
func (DepartureTookEffect) EventType() string { return "DepartureTookEffect" }
func (NewUserRequested) EventType() string    { return "NewUserRequested" }
func (UserAccountCreated) EventType() string  { return "UserAccountCreated" }
func (OnboardingReported) EventType() string  { return "OnboardingReported" }
func (OnboardingEscalated) EventType() string { return "OnboardingEscalated" }

func init() {
	register[DepartureRequested]()
	register[DepartureTookEffect]()
	register[NewUserRequested]()
	register[UserAccountCreated]()
	register[OnboardingReported]()
	register[OnboardingEscalated]()
	declarePersonal[DepartureRequested]() // usernames and dates
	declarePersonal[DepartureTookEffect]()
	declarePersonal[NewUserRequested]("request.employee.givenName", "request.employee.familyName", "request.jobTitle")
	declarePersonal[UserAccountCreated]() // the username: an identifier
	declarePersonal[OnboardingReported]()
	declarePersonal[OnboardingEscalated]()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// PersonStream is the stream that records a person's account and
// accesses: the directory's memory of what the help desk did.
func PersonStream(username string) string { return "person-" + username }

// PersonEvent is one fact about a person, pointing at the case behind it.
type PersonEvent struct {
	// What happened: username-reserved, account-created,
	// access-granted, access-ended, account-disabled.
	What   string `json:"what"`
	CaseID string `json:"caseId"`
	Detail string `json:"detail,omitempty"`
	// For account-created: who the new user is and from when they work.
	DisplayName string `json:"displayName,omitempty"`
	Unit        string `json:"unit,omitempty"`
	From        string `json:"from,omitempty"` // YYYY-MM-DD
}

// Person is what the record knows of a person's account.
type Person struct {
	// ReservedBy is the new-user case that reserved the username for
	// the account it creates (the first one: a username is never reused).
	ReservedBy string
	// CreatedBy is the new-user case that created the account.
	CreatedBy   string
	Created     bool
	DisplayName string
	Unit        string
	From        string
	Disabled    bool
	Accesses    []string
}

// TakenFor reports whether the person's username is taken for a new
// account that case caseID creates: another case reserved it or created
// an account with it.
func (p Person) TakenFor(caseID string) bool {
	return (p.ReservedBy != "" && p.ReservedBy != caseID) || (p.Created && p.CreatedBy != caseID)
}

// FoldPerson folds a person's events.
func FoldPerson(events []PersonEvent) Person {
	var p Person
	for _, e := range events {
		switch e.What {
		case "username-reserved":
			if p.ReservedBy == "" {
				p.ReservedBy = e.CaseID
			}
		case "account-created":
			p.Created, p.DisplayName, p.Unit, p.From, p.Disabled = true, e.DisplayName, e.Unit, e.From, false
			if p.CreatedBy == "" {
				p.CreatedBy = e.CaseID
			}
		case "account-disabled":
			p.Disabled = true
		}
	}
	p.Accesses = ActiveAccesses(events)
	return p
}

func (PersonEvent) EventType() string { return "PersonEvent" }

func init() {
	register[PersonEvent]()
	declarePersonal[PersonEvent]("displayName", "detail")
}

// ActiveAccesses folds a person's events into the access cases still
// active, in the order they were granted.
func ActiveAccesses(events []PersonEvent) []string {
	var active []string
	for _, e := range events {
		switch e.What {
		case "access-granted":
			active = append(active, e.CaseID)
		case "access-ended":
			for i, id := range active {
				if id == e.CaseID {
					active = append(active[:i:i], active[i+1:]...)
					break
				}
			}
		}
	}
	return active
}
