package web

import (
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// A closed case says why in a sentence of its own, in both languages:
// confirmed by the reporter (named), or closed by the desk when the
// reopen window ran out or the question went unanswered — with no
// formatting debris of a name it has no place for.
func TestTimelineSaysWhyACaseClosed(t *testing.T) {
	s := &Server{cfg: Config{Directory: directory.Demo()}}
	want := map[i18n.Lang]map[helpdesk.CloseReason]string{
		"nb": {
			helpdesk.ClosedConfirmed:     "Ola Nordmann bekreftet at saken er løst. Saken er avsluttet.",
			helpdesk.ClosedReopenExpired: "Saken ble avsluttet fordi ingen åpnet den igjen.",
			helpdesk.ClosedNoReply:       "Saken ble avsluttet fordi brukerhjelpen ikke fikk svar.",
		},
		"en": {
			helpdesk.ClosedConfirmed:     "Ola Nordmann confirmed the case is resolved. The case is closed.",
			helpdesk.ClosedReopenExpired: "The case was closed because nobody reopened it.",
			helpdesk.ClosedNoReply:       "The case was closed because the help desk got no answer.",
		},
	}
	for lang, reasons := range want {
		v := &view{Lang: lang}
		for reason, text := range reasons {
			actor := "brukerhjelp" // the workflow's timers
			if reason == helpdesk.ClosedConfirmed {
				actor = "ola"
			}
			it, ok := s.timelineItem(v, s.names(v), helpdesk.Case{}, desk.TimelineEntry{Actor: actor, At: time.Now(),
				Event: helpdesk.CaseClosed{Reason: reason}})
			if !ok || it.Text != text || strings.Contains(it.Text, "%!") {
				t.Errorf("%s, %s: %q (shown %v), want %q", lang, reason, it.Text, ok, text)
			}
		}
	}
}
