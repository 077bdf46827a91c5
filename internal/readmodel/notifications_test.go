package readmodel_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// notice writes one notification per position, for recipient, at minute
// minute of a fixed day; its id is "n<position>".
func notice(t *testing.T, db *readmodel.DB, pos uint64, recipient string, minute int) {
	t.Helper()
	at := time.Date(2026, 3, 2, 9, minute, 0, 0, time.UTC)
	applied, err := db.Project(context.Background(), "cases", pos, func(ctx context.Context, tx *readmodel.Tx) error {
		added, err := tx.AddNotification(ctx, readmodel.Notification{ID: fmt.Sprintf("n%d", pos), Recipient: recipient,
			CaseID: "c", CaseReference: "BH-2026-000001", Kind: "case-resolved", Title: "BH-2026-000001: Saken er løst",
			TitleEn: "BH-2026-000001: The case has been resolved", CreatedAt: at, EventID: fmt.Sprintf("e%d", pos), Position: pos})
		if err == nil && !added {
			err = fmt.Errorf("n%d was there already", pos)
		}
		return err
	})
	if err != nil || !applied {
		t.Fatalf("Project(%d) = %v, %v; want applied", pos, applied, err)
	}
}

func noticeIDs(p readmodel.NotificationPage) []string {
	out := []string{}
	for _, n := range p.Items {
		out = append(out, n.ID)
	}
	return out
}

func listNotices(t *testing.T, db *readmodel.DB, f readmodel.NotificationFilter) readmodel.NotificationPage {
	t.Helper()
	p, err := db.ListNotifications(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// deskOfNotices: Ola's n1..n7 (n3, n4 and n5 at the same minute, so the
// position breaks the tie) and Eva's n8.
func deskOfNotices(t *testing.T) *readmodel.DB {
	t.Helper()
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	for i, minute := range []int{1, 2, 3, 3, 3, 4, 5} {
		notice(t, db, uint64(i+1), "ola", minute)
	}
	notice(t, db, 8, "eva", 9)
	return db
}

func TestNotificationsAreTheirRecipientsOwnNewestFirst(t *testing.T) {
	db := deskOfNotices(t)
	all := listNotices(t, db, readmodel.NotificationFilter{Recipient: "ola"})
	if got, want := noticeIDs(all), []string{"n7", "n6", "n5", "n4", "n3", "n2", "n1"}; !slices.Equal(got, want) {
		t.Errorf("ola's notifications = %v, want %v", got, want)
	}
	if all.Unread != 7 || all.NextCursor != "" {
		t.Errorf("unread %d, next cursor %q; want 7 and none", all.Unread, all.NextCursor)
	}
	n := all.Items[6]
	if n.Recipient != "ola" || n.Read || n.ReadAt != nil || n.EventID != "e1" || n.Position != 1 || n.Kind != "case-resolved" ||
		n.TitleEn != "BH-2026-000001: The case has been resolved" || !n.CreatedAt.Equal(time.Date(2026, 3, 2, 9, 1, 0, 0, time.UTC)) {
		t.Errorf("n1 = %+v", n)
	}
	if got := noticeIDs(listNotices(t, db, readmodel.NotificationFilter{Recipient: "eva"})); !slices.Equal(got, []string{"n8"}) {
		t.Errorf("eva's notifications = %v, want [n8]", got)
	}
	if got := listNotices(t, db, readmodel.NotificationFilter{}); len(got.Items) != 0 || got.Unread != 0 {
		t.Errorf("no recipient lists %v, want nothing", noticeIDs(got))
	}

	// Pages of two, while Ola marks what he has seen read: nothing is
	// repeated or skipped, and the unread count follows.
	var pages [][]string
	var unread []int
	cursor := ""
	for range 6 {
		p := listNotices(t, db, readmodel.NotificationFilter{Recipient: "ola", Limit: 2, Cursor: cursor})
		pages, unread = append(pages, noticeIDs(p)), append(unread, p.Unread)
		for _, n := range p.Items {
			if _, err := db.MarkNotificationRead(context.Background(), "ola", n.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if got, want := fmt.Sprint(pages, unread), "[[n7 n6] [n5 n4] [n3 n2] [n1]] [7 5 3 1]"; got != want {
		t.Errorf("pages of 2 = %s, want %s", got, want)
	}
}

func TestUnreadOnlyAndMarkingRead(t *testing.T) {
	db := deskOfNotices(t)
	ctx := context.Background()
	first := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	n, err := db.MarkNotificationRead(ctx, "ola", "n6", first)
	if err != nil {
		t.Fatal(err)
	}
	if !n.Read || n.ReadAt == nil || !n.ReadAt.Equal(first) || n.ID != "n6" {
		t.Errorf("marked n6 = %+v, want read at %s", n, first)
	}
	// Again, later: still read, at the first time.
	n, err = db.MarkNotificationRead(ctx, "ola", "n6", first.Add(time.Hour))
	if err != nil || !n.ReadAt.Equal(first) {
		t.Errorf("marked n6 again = %+v, %v; want read at %s", n, err, first)
	}
	for _, tt := range []struct{ who, id string }{{"eva", "n6"}, {"ola", "n8"}, {"ola", "n99"}, {"", "n6"}} {
		if _, err := db.MarkNotificationRead(ctx, tt.who, tt.id, first); !errors.Is(err, readmodel.ErrNoNotification) {
			t.Errorf("%q marks %s: %v, want ErrNoNotification", tt.who, tt.id, err)
		}
	}
	if got := listNotices(t, db, readmodel.NotificationFilter{Recipient: "eva"}); got.Unread != 1 || got.Items[0].Read {
		t.Errorf("eva's n8 after Ola tried to mark it: %+v", got)
	}

	unread := listNotices(t, db, readmodel.NotificationFilter{Recipient: "ola", UnreadOnly: true})
	if got, want := noticeIDs(unread), []string{"n7", "n5", "n4", "n3", "n2", "n1"}; !slices.Equal(got, want) || unread.Unread != 6 {
		t.Errorf("ola's unread = %v (count %d), want %v", got, unread.Unread, want)
	}
	p := listNotices(t, db, readmodel.NotificationFilter{Recipient: "ola", UnreadOnly: true, Limit: 3})
	p = listNotices(t, db, readmodel.NotificationFilter{Recipient: "ola", UnreadOnly: true, Limit: 3, Cursor: p.NextCursor})
	if got, want := noticeIDs(p), []string{"n3", "n2", "n1"}; !slices.Equal(got, want) {
		t.Errorf("ola's second page of unread = %v, want %v", got, want)
	}
}

func TestNotificationInputIsChecked(t *testing.T) {
	db := deskOfNotices(t)
	ctx := context.Background()
	for _, c := range []string{"x", "bm90LWEtY3Vyc29y", "MTIzfGFiYw", "MTIzfDA"} { // not base64; no "|"; position "abc"; position 0
		if _, err := db.ListNotifications(ctx, readmodel.NotificationFilter{Recipient: "ola", Cursor: c}); !errors.Is(err, readmodel.ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", c, err)
		}
	}
	for _, l := range []int{-1, readmodel.MaxLimit + 1} {
		if _, err := db.ListNotifications(ctx, readmodel.NotificationFilter{Recipient: "ola", Limit: l}); err == nil {
			t.Errorf("limit %d accepted", l)
		}
	}
	// The same notification again (the same id) is not a second one.
	_, err := db.Project(ctx, "cases", 9, func(ctx context.Context, tx *readmodel.Tx) error {
		added, err := tx.AddNotification(ctx, readmodel.Notification{ID: "n1", Recipient: "ola", Title: "en annen tittel"})
		if err != nil || added {
			return fmt.Errorf("adding n1 again: added %v, %w", added, err)
		}
		if _, err := tx.AddNotification(ctx, readmodel.Notification{ID: "n10"}); err == nil {
			return errors.New("a notification without a recipient was written")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := listNotices(t, db, readmodel.NotificationFilter{Recipient: "ola"}); len(got.Items) != 7 || got.Items[6].Title != "BH-2026-000001: Saken er løst" {
		t.Errorf("after adding n1 again: %v, n1 titled %q", noticeIDs(got), got.Items[6].Title)
	}
}

func TestReadFlagsOutliveARebuild(t *testing.T) {
	path := filepath.Join(t.TempDir(), "readmodel.db")
	db := open(t, path)
	notice(t, db, 1, "ola", 1)
	notice(t, db, 2, "ola", 2)
	at := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	if _, err := db.MarkNotificationRead(context.Background(), "ola", "n1", at); err != nil {
		t.Fatal(err)
	}
	db.Close()
	readmodeltest.Exec(t, readmodeltest.DSN(t, path), `UPDATE meta SET value = '0-old' WHERE key = 'version'`)

	db = open(t, path)
	if db.Rebuilt() == "" {
		t.Fatal("a read model of another version was kept")
	}
	if got := listNotices(t, db, readmodel.NotificationFilter{Recipient: "ola"}); len(got.Items) != 0 {
		t.Fatalf("notifications survived the rebuild: %v", noticeIDs(got))
	}
	// The projector writes them again, with the same ids.
	notice(t, db, 1, "ola", 1)
	notice(t, db, 2, "ola", 2)
	got := listNotices(t, db, readmodel.NotificationFilter{Recipient: "ola"})
	if len(got.Items) != 2 || got.Items[0].Read || !got.Items[1].Read || !got.Items[1].ReadAt.Equal(at) || got.Unread != 1 {
		t.Errorf("after the rebuild: %+v; want n1 read at %s, n2 unread", got, at)
	}
}

// The unread count every page's header shows stops at MaxUnread, so a
// recipient who never reads costs every page the same.
func TestUnreadCountStopsAtItsCap(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	for i := range readmodel.MaxUnread + 5 {
		notice(t, db, uint64(i+1), "per", i%60)
	}
	notice(t, db, uint64(readmodel.MaxUnread+6), "eva", 1)
	if got := listNotices(t, db, readmodel.NotificationFilter{Recipient: "per", Limit: 1}); got.Unread != readmodel.MaxUnread {
		t.Errorf("per's unread count = %d, want the cap %d", got.Unread, readmodel.MaxUnread)
	}
	if got := listNotices(t, db, readmodel.NotificationFilter{Recipient: "eva"}); got.Unread != 1 {
		t.Errorf("eva's unread count = %d, want 1", got.Unread)
	}
}
