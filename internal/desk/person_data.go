package desk

import (
	"context"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// PersonData is everything the help desk holds about a person (GDPR art.
// 15): their directory entry, what the record knows of their account and
// accesses, every case that concerns them with how long it is kept and
// why, and the notifications they were sent.
type PersonData struct {
	Username string `json:"username"`
	// Directory is the person's entry in the directory, if they have one.
	Directory *Profile `json:"directory,omitempty"`
	// Account is what the record knows of their account (made by a
	// new-user case, disabled by a departure, their accesses).
	Account *helpdesk.Person `json:"account,omitempty"`
	Cases   []PersonCase     `json:"cases"`
	// Notifications are the in-app notifications sent to them (the mail
	// they were sent says the same).
	Notifications []readmodel.Notification `json:"notifications"`
	At            time.Time                `json:"at"`
}

// PersonCase is one case concerning the person.
type PersonCase struct {
	// Roles says how it concerns them: reporter, creator, assignee,
	// subject.
	Roles     []string           `json:"roles"`
	Case      helpdesk.Case      `json:"case"`
	LegalHold helpdesk.LegalHold `json:"legalHold"`
	// Retention is what the retention policy does with it, and when;
	// OnRequest what an erasure request would do now.
	Retention helpdesk.RetentionDecision `json:"retention"`
	OnRequest helpdesk.RetentionDecision `json:"onRequest"`
}

// PersonData returns everything held about username. A person may ask
// for their own; the data protection officer for anyone's (and sees
// internal comments, which the person, like every employee, does not).
// The read is recorded.
func (d *Desk) PersonData(ctx context.Context, actor helpdesk.Actor, username string) (PersonData, error) {
	if err := Authorize(actor, ActionPersonData); err != nil {
		return PersonData{}, err
	}
	if actor.Username != username && !actor.Has(helpdesk.RoleDPO) {
		return PersonData{}, refuse(Forbidden, "", "bare personen selv og personvernombudet kan se en persons opplysninger",
			"only the person themself and the data protection officer may see a person's data")
	}
	out := PersonData{Username: username, Cases: []PersonCase{}, Notifications: []readmodel.Notification{}, At: d.now().UTC()}
	if u, ok := d.dir.User(username); ok {
		p, err := d.Me(actor, u)
		if err != nil {
			return PersonData{}, err
		}
		out.Directory = &p
	}
	acct, hasAcct, err := d.personStream(ctx, username)
	if err != nil {
		return PersonData{}, err
	}
	if hasAcct {
		out.Account = &acct
	}
	cases, err := d.casesOf(ctx, username)
	if err != nil {
		return PersonData{}, err
	}
	if out.Directory == nil && !hasAcct && len(cases) == 0 {
		return PersonData{}, errNoPerson
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadPersonData, query: [][2]string{{"username", username}}}); err != nil {
		return PersonData{}, err
	}
	for _, pc := range cases {
		c := pc.c
		if !actor.Has(helpdesk.RoleDPO) {
			c = c.VisibleTo(actor)
		}
		out.Cases = append(out.Cases, PersonCase{Roles: pc.roles, Case: c, LegalHold: pc.hold,
			Retention: d.retain.Due(pc.c, pc.hold, d.now()), OnRequest: d.onRequest(pc)})
	}
	if d.notes != nil {
		f := readmodel.NotificationFilter{Recipient: username, Limit: readmodel.MaxLimit}
		for {
			page, err := d.notes.ListNotifications(ctx, f)
			if err != nil {
				return PersonData{}, err
			}
			out.Notifications = append(out.Notifications, page.Items...)
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
	}
	return out, nil
}
