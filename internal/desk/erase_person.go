package desk

import (
	"context"
	"time"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// ErasureReport says what an erasure request did: what was erased, under
// which rule, and what was kept and why (and until when).
type ErasureReport struct {
	Username string       `json:"username"`
	Erased   []ErasedItem `json:"erased"`
	Kept     []KeptItem   `json:"kept"`
	// AlreadyErased are the references of cases erased before.
	AlreadyErased []string      `json:"alreadyErased"`
	At            time.Time     `json:"at"`
	Account       *AccountErase `json:"account,omitempty"`
}

// ErasedItem is one case whose personal data went.
type ErasedItem struct {
	CaseID    string        `json:"caseId"`
	Reference string        `json:"reference"`
	Kind      helpdesk.Kind `json:"kind"`
	Rule      string        `json:"rule"`
	Basis     string        `json:"basis"`
	BasisEn   string        `json:"basisEn"`
	Events    int           `json:"events"`
	Fields    []string      `json:"fields"`
	// Unencrypted events were recorded before the record encrypted
	// personal data; they keep their text, since the record never changes.
	Unencrypted int `json:"unencrypted,omitempty"`
	Mails       int `json:"mails,omitempty"`
	Files       int `json:"files,omitempty"`
	// Histories are the case workflow's runs deleted from Temporal.
	Histories int `json:"histories,omitempty"`
}

// KeptItem is one case whose personal data stays, and why.
type KeptItem struct {
	CaseID    string        `json:"caseId"`
	Reference string        `json:"reference"`
	Kind      helpdesk.Kind `json:"kind"`
	// Kept is the reason's code (helpdesk.Kept…), Basis it in words.
	Kept    string    `json:"kept"`
	Rule    string    `json:"rule,omitempty"`
	Basis   string    `json:"basis"`
	BasisEn string    `json:"basisEn"`
	Until   time.Time `json:"until,omitzero"`
}

// AccountErase says what became of what the record holds of the person's
// account (the name a new-user case gave it, their accesses' details).
type AccountErase struct {
	Erased  bool   `json:"erased"`
	Basis   string `json:"basis"`
	BasisEn string `json:"basisEn"`
}

// ErasePerson erases username's personal data where the law allows it
// (GDPR art. 17): every case of theirs that has ended and that neither a
// retention rule of its own (bookkeeping, access decisions) nor a legal
// hold keeps; and their account's record once the account is closed.
// Only the data protection officer may; each erasure is on the case's
// record, done by the erasure workflow.
func (d *Desk) ErasePerson(ctx context.Context, actor helpdesk.Actor, username string) (ErasureReport, error) {
	if err := Authorize(actor, ActionErasePerson); err != nil {
		return ErasureReport{}, err
	}
	if d.erasure == nil {
		return ErasureReport{}, errNoPrivacy
	}
	cases, err := d.casesOf(ctx, username)
	if err != nil {
		return ErasureReport{}, err
	}
	acct, hasAcct, err := d.personStream(ctx, username)
	if err != nil {
		return ErasureReport{}, err
	}
	if _, inDir := d.dir.User(username); !inDir && !hasAcct && len(cases) == 0 {
		return ErasureReport{}, errNoPerson
	}
	report := ErasureReport{Username: username, Erased: []ErasedItem{}, Kept: []KeptItem{}, AlreadyErased: []string{}, At: d.now().UTC()}
	var items []activities.ErasureItem
	for _, pc := range cases {
		dec := d.onRequest(pc)
		if dec.Kept == helpdesk.KeptErased {
			report.AlreadyErased = append(report.AlreadyErased, pc.c.Reference)
			continue
		}
		if !dec.Erase {
			report.Kept = append(report.Kept, KeptItem{CaseID: pc.c.ID, Reference: pc.c.Reference, Kind: pc.c.Kind, Kept: dec.Kept,
				Rule: dec.Rule, Basis: dec.Basis, BasisEn: dec.BasisEn, Until: dec.Until})
			continue
		}
		items = append(items, activities.ErasureItem{CaseID: pc.c.ID, Reference: pc.c.Reference, Kind: pc.c.Kind,
			Rule: dec.Rule, Basis: dec.Basis, BasisEn: dec.BasisEn})
	}
	if hasAcct {
		a := accountErasure(acct)
		report.Account = &a
		if a.Erased {
			items = append(items, activities.ErasureItem{Stream: helpdesk.PersonStream(username), Rule: helpdesk.RuleRequest,
				Basis: a.Basis, BasisEn: a.BasisEn})
		}
	}
	if len(items) == 0 {
		return report, nil
	}
	outs, err := d.erasure.Erase(ctx, workflows.ErasureInput{Items: items, By: actor.Username})
	if err != nil {
		return ErasureReport{}, engineError(err)
	}
	for _, o := range outs {
		it := o.Item
		switch {
		case it.Stream != "":
			if !o.Erased && report.Account != nil {
				report.Account.Erased, report.Account.Basis, report.Account.BasisEn = false, o.Basis, o.BasisEn
			}
		case o.Erased:
			report.Erased = append(report.Erased, ErasedItem{CaseID: it.CaseID, Reference: it.Reference, Kind: it.Kind, Rule: it.Rule,
				Basis: it.Basis, BasisEn: it.BasisEn, Events: o.Events, Fields: o.Fields, Unencrypted: o.Unencrypted, Mails: o.Mails, Files: o.Files, Histories: o.Histories})
		default:
			// Something changed between deciding and erasing (a hold).
			report.Kept = append(report.Kept, KeptItem{CaseID: it.CaseID, Reference: it.Reference, Kind: it.Kind, Kept: o.Kept,
				Basis: o.Basis, BasisEn: o.BasisEn})
		}
	}
	return report, nil
}

// accountErasure decides the person's own stream: it goes once the
// account is closed and no access of theirs lives.
func accountErasure(p helpdesk.Person) AccountErase {
	switch {
	case len(p.Accesses) > 0:
		return AccountErase{Basis: "Personen har aktive tilganger; de dokumenteres mens de varer",
			BasisEn: "The person has active accesses; they are documented while they live"}
	case !p.Disabled && p.Created:
		return AccountErase{Basis: "Kontoen er i bruk", BasisEn: "The account is in use"}
	}
	return AccountErase{Erased: true, Basis: "Kontoen er avsluttet; opplysningene om den slettes etter krav fra den registrerte",
		BasisEn: "The account is closed; what is recorded of it is erased on the data subject's request"}
}
