// Package helpdesk is the domain of Brukerhjelp: cases, their events, the
// rules that decide which step is allowed, and the fold that turns a stream
// of events into a case. It imports only the standard library and
// internal/usertext (the one rule for user text, which needs
// golang.org/x/text for Unicode normal form C), so that the same code
// serves workflows (deterministic), projections and auditors.
package helpdesk
