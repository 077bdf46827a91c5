package helpdesk

import "testing"

func TestParseAnnouncementReference(t *testing.T) {
	for in, want := range map[string]string{
		"DRIFT-5DE39D1C": "DRIFT-5DE39D1C", "drift-5de39d1c": "DRIFT-5DE39D1C",
		"DRIFT-5DE39D1": "", "DRIFT-5DE39D1CX": "", "DRIFT-5DE39D1G": "", "BH-2026-000001": "", "": "",
	} {
		got, ok := ParseAnnouncementReference(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseAnnouncementReference(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if id := "5de39d1c-1b7d-4c1e-9d1a-5b2f3e4d5c6b"; AnnouncementReference(id) != "DRIFT-5DE39D1C" {
		t.Errorf("AnnouncementReference(%s) = %s", id, AnnouncementReference(id))
	}
}
