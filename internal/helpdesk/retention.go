package helpdesk

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Retention: how long a case's personal data lives after the case ended,
// per kind, and whether a person's request erases it sooner
// (docs/PRIVACY.md). The retention workflow asks Due every night; the data
// protection officer's erasure asks OnRequest. Both are pure, so a
// workflow may decide with them.

// RetentionRule keeps the personal data of cases of some kinds for a
// while after they ended.
type RetentionRule struct {
	// ID names the rule in the record (PersonalDataErased.Rule).
	ID    string `json:"id"`
	Kinds []Kind `json:"kinds"`
	// Years and Days after the case ended (its ClosedAt, in Oslo) the
	// personal data is erased.
	Years int `json:"years"`
	Days  int `json:"days,omitempty"`
	// OnRequest: the person's request erases it as soon as the case has
	// ended; otherwise the rule's period holds against a request too
	// (a law asks to keep it).
	OnRequest bool `json:"onRequest,omitempty"`
	// Basis says why the data is kept that long, in bokmål and English.
	Basis   string `json:"basis"`
	BasisEn string `json:"basisEn"`
}

// RetentionPolicy is the rule of every kind.
type RetentionPolicy struct {
	Rules []RetentionRule `json:"rules"`
}

// DefaultRetention is the help desk's standard policy.
func DefaultRetention() RetentionPolicy {
	return RetentionPolicy{Rules: []RetentionRule{
		{ID: "incident-guidance-2y", Kinds: []Kind{KindIncident, KindGuidance}, Years: 2, OnRequest: true,
			Basis:   "Saker om feil og veiledning trengs ikke lenger enn to år etter at de ble avsluttet",
			BasisEn: "Incidents and guidance are not needed for more than two years after they ended"},
		{ID: "order-5y", Kinds: []Kind{KindOrder}, Years: 5,
			Basis:   "Bokføringsloven § 13: dokumentasjon av kjøp oppbevares i fem år",
			BasisEn: "Bookkeeping Act section 13: documentation of purchases is kept for five years"},
		{ID: "access-decisions-5y", Kinds: []Kind{KindESAAccess, KindNewUser, KindDeparture}, Years: 5,
			Basis:   "Tilgangsbeslutninger viser hvem som hadde tilgang til hva, og beholdes mens tilgangen varer og fem år etter",
			BasisEn: "Access decisions show who had access to what; they are kept while the access lives and five years after"},
	}}
}

// Kinds every retention policy must cover.
var retentionKinds = []Kind{KindIncident, KindGuidance, KindOrder, KindNewUser, KindESAAccess, KindDeparture}

// Validate checks that every kind has exactly one rule with a period and
// a basis, and that rule IDs are unique.
func (p RetentionPolicy) Validate() error {
	var errs []error
	ids := map[string]bool{}
	kinds := map[Kind]string{}
	for i, r := range p.Rules {
		name := fmt.Sprintf("rule %d (%s)", i+1, r.ID)
		switch {
		case r.ID == "" || r.ID == RuleRequest:
			errs = append(errs, fmt.Errorf("%s: needs an id other than %q", name, RuleRequest))
		case ids[r.ID]:
			errs = append(errs, fmt.Errorf("%s: id used twice", name))
		}
		ids[r.ID] = true
		if r.Years < 0 || r.Days < 0 || r.Years+r.Days == 0 {
			errs = append(errs, fmt.Errorf("%s: years and days must not be negative, and not both 0", name))
		}
		if r.Basis == "" || r.BasisEn == "" {
			errs = append(errs, fmt.Errorf("%s: needs its basis in bokmål and English", name))
		}
		if len(r.Kinds) == 0 {
			errs = append(errs, fmt.Errorf("%s: names no kind", name))
		}
		for _, k := range r.Kinds {
			if !slices.Contains(retentionKinds, k) {
				errs = append(errs, fmt.Errorf("%s: unknown kind %q", name, k))
			} else if other, dup := kinds[k]; dup {
				errs = append(errs, fmt.Errorf("%s: kind %s already has rule %s", name, k, other))
			}
			kinds[k] = r.ID
		}
	}
	for _, k := range retentionKinds {
		if _, ok := kinds[k]; !ok {
			errs = append(errs, fmt.Errorf("no rule for kind %s", k))
		}
	}
	return errors.Join(errs...)
}

// Rule is the rule of kind k.
func (p RetentionPolicy) Rule(k Kind) (RetentionRule, bool) {
	for _, r := range p.Rules {
		if slices.Contains(r.Kinds, k) {
			return r, true
		}
	}
	return RetentionRule{}, false
}

// EraseAfter is when the rule erases the data of a case that ended at
// ended: that day plus the period, in Oslo (so "two years" is two calendar
// years across daylight saving and leap days).
func (r RetentionRule) EraseAfter(ended time.Time) time.Time {
	return ended.In(Oslo).AddDate(r.Years, 0, r.Days)
}

// Why a case's personal data is kept.
const (
	KeptOpen      = "open"       // the case is still being handled
	KeptLegalHold = "legal-hold" // the data protection officer holds it
	KeptRetention = "retention"  // a rule keeps it until Until
	KeptErased    = "erased"     // already erased
	KeptNoRule    = "no-rule"    // the policy has no rule for the kind
)

// RetentionDecision says whether to erase a case's personal data now, and
// why (or why not).
type RetentionDecision struct {
	Erase bool `json:"erase"`
	// Rule is the rule applied (RuleRequest for an erasure on request).
	Rule string `json:"rule,omitempty"`
	// Kept says why the data stays (a Kept… code) when Erase is false.
	Kept string `json:"kept,omitempty"`
	// Basis and BasisEn explain the decision to people.
	Basis   string `json:"basis"`
	BasisEn string `json:"basisEn"`
	// Until is when retention will erase it (zero: not known yet, the
	// case has not ended, or it is held).
	Until time.Time `json:"until,omitzero"`
}

// Due decides what the retention run does with case c at now.
func (p RetentionPolicy) Due(c Case, hold LegalHold, now time.Time) RetentionDecision {
	if d, done := p.kept(c, hold); done {
		return d
	}
	r, _ := p.Rule(c.Kind)
	until := r.EraseAfter(c.ClosedAt)
	if now.Before(until) {
		return RetentionDecision{Kept: KeptRetention, Rule: r.ID, Basis: r.Basis, BasisEn: r.BasisEn, Until: until}
	}
	return RetentionDecision{Erase: true, Rule: r.ID, Basis: r.Basis, BasisEn: r.BasisEn, Until: until}
}

// OnRequest decides what a person's request to erase their data does with
// case c at now: erased at once where the rule allows it, kept (and until
// when) where it does not.
func (p RetentionPolicy) OnRequest(c Case, hold LegalHold, now time.Time) RetentionDecision {
	d := p.Due(c, hold, now)
	if d.Erase || d.Kept != KeptRetention {
		return d
	}
	r, _ := p.Rule(c.Kind)
	if !r.OnRequest {
		return d
	}
	return RetentionDecision{Erase: true, Rule: RuleRequest,
		Basis:   "Slettet etter krav fra den registrerte (personvernforordningen artikkel 17)",
		BasisEn: "Erased on the data subject's request (GDPR article 17)", Until: now}
}

// kept decides the cases no rule's period is asked about: open, held,
// erased, or of a kind without a rule.
func (p RetentionPolicy) kept(c Case, hold LegalHold) (RetentionDecision, bool) {
	switch {
	case c.Erasure != nil:
		return RetentionDecision{Kept: KeptErased, Rule: c.Erasure.Rule,
			Basis: "Personopplysningene er allerede slettet", BasisEn: "The personal data has already been erased"}, true
	case hold.Active:
		return RetentionDecision{Kept: KeptLegalHold,
			Basis:   "Rettslig hold satt av personvernombudet: " + hold.Reason,
			BasisEn: "Legal hold set by the data protection officer: " + hold.Reason}, true
	case !c.Final() || c.ClosedAt.IsZero():
		return RetentionDecision{Kept: KeptOpen,
			Basis:   "Saken er under behandling; opplysningene trengs til den er avsluttet",
			BasisEn: "The case is still being handled; the data is needed until it ends"}, true
	}
	if _, ok := p.Rule(c.Kind); !ok {
		return RetentionDecision{Kept: KeptNoRule,
			Basis: "Ingen sletteregel for sakstypen " + string(c.Kind), BasisEn: "No retention rule for the kind " + string(c.Kind)}, true
	}
	return RetentionDecision{}, false
}
