package helpdesk

import (
	"testing"
	"time"
)

func TestAnnouncementsSayItInEnglishWhenGiven(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, Oslo)
	r := AnnouncementRequest{Kind: AnnouncementOutage, Title: "ESA er nede", Body: "Vi feilsøker.", TitleEn: "  ESA is down ",
		BodyEn: "We are on it.", StartsAt: now.Format(time.RFC3339)}
	start, end, err := r.NormalizeAt(now)
	if err != nil {
		t.Fatal(err)
	}
	if r.TitleEn != "ESA is down" {
		t.Errorf("the English title is not cleaned: %q", r.TitleEn)
	}
	a := NewAnnouncement()
	a.Apply(Publish("0a0a0a0a-0000-4000-8000-000000000001", r, start, end), Metadata{Actor: "tor", OccurredAt: now}, 0)
	if title, body := a.English(); title != "ESA is down" || body != "We are on it." {
		t.Errorf("English: %q, %q", title, body)
	}
	if a.Title != "ESA er nede" || a.Body != "Vi feilsøker." {
		t.Errorf("the bokmål is lost: %+v", a)
	}
	// Without English, those who read English read the bokmål.
	b := NewAnnouncement()
	r2 := AnnouncementRequest{Kind: AnnouncementOutage, Title: "Nettet er nede", StartsAt: now.Format(time.RFC3339)}
	b.Apply(Publish("0a0a0a0a-0000-4000-8000-000000000002", r2, start, end), Metadata{Actor: "tor", OccurredAt: now}, 0)
	if title, _ := b.English(); title != "Nettet er nede" {
		t.Errorf("English without English: %q", title)
	}
}
