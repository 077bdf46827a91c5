package web

import (
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// The header and the notifications page say where the read model's count
// stops, instead of a number that looks exact.
func TestUnreadCountSaysWhereItStops(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", readmodel.MaxUnread - 1: "999", readmodel.MaxUnread: "1000+"} {
		v := &view{Unread: n}
		if got := v.UnreadCount(); got != want {
			t.Errorf("header count of %d = %q, want %q", n, got, want)
		}
		if got := (notificationsData{Unread: n}).UnreadText(); got != want {
			t.Errorf("page count of %d = %q, want %q", n, got, want)
		}
	}
}
