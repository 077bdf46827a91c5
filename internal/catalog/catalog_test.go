package catalog

import "testing"

func TestDefaultHasTheContractItems(t *testing.T) {
	c := Default()
	for _, id := range []string{"laptop-standard", "monitor-24", "docking-station", "headset", "mobile-standard", "office-standard"} {
		if _, ok := c[id]; !ok {
			t.Errorf("catalog lacks %q", id)
		}
	}
	if _, err := parse([]byte(`{"items":[{"id":"a","name":"A","priceNOK":1},{"id":"a","name":"A","priceNOK":1}]}`)); err == nil {
		t.Error("duplicate item accepted")
	}
	if _, err := parse([]byte(`{"items":[{"id":"a","name":"A","priceNOK":-1}]}`)); err == nil {
		t.Error("negative price accepted")
	}
}
