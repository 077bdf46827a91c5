package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// The record decides who may log in: a departure disables an account, and
// a new-user case creates one from its start date.
func TestTheRecordDecidesWhoMayLogIn(t *testing.T) {
	ts := newServerWith(t, func(c *serverConfig) { c.Auth = DevTokens{Directory: c.Directory, Store: c.Store} })
	srv, store := ts.Server, ts.store
	record := func(username string, e helpdesk.PersonEvent) {
		data, _ := json.Marshal(e)
		if _, err := store.Append(t.Context(), helpdesk.PersonStream(username), eventstore.NoStream(),
			eventstore.EventData{ID: uuid.New(), Type: "PersonEvent", Data: data, Metadata: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	today := time.Now().In(helpdesk.Oslo).Format(time.DateOnly)
	record("ola", helpdesk.PersonEvent{What: "account-disabled", CaseID: "d1"})
	record("kjell", helpdesk.PersonEvent{What: "account-created", CaseID: "n1", DisplayName: "Kjell Lærer", Unit: "opplaering", From: today})
	record("stine", helpdesk.PersonEvent{What: "account-created", CaseID: "n2", DisplayName: "Stine Ny", Unit: "samferdsel", From: "2999-01-01"})
	for _, tt := range []struct {
		user string
		want int
	}{{"ola", 401}, {"kjell", 200}, {"stine", 401}, {"eva", 200}} {
		resp, body := call{method: "GET", path: "/api/v1/me", token: "dev:" + tt.user}.do(t, srv)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: got %d %s, want %d", tt.user, resp.StatusCode, body, tt.want)
		}
	}
	resp, body := call{method: "GET", path: "/api/v1/me", token: "dev:kjell"}.do(t, srv)
	var me struct{ Unit, DisplayName string }
	_ = json.Unmarshal(body, &me)
	if resp.StatusCode != 200 || me.Unit != "opplaering" || me.DisplayName != "Kjell Lærer" {
		t.Errorf("kjell = %s", body)
	}
}
