package config

import (
	"strings"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func good() map[string]string {
	return map[string]string{
		"TEMPORAL_ADDRESS": "temporal:7233", "TEMPORAL_NAMESPACE": "brukerhjelp",
		"EVENTSTORE_URL": "esdb://eventstore:2113?tls=false", "DATABASE_URL": "sqlite:/data/readmodel.db",
		"HTTP_ADDR": ":8080", "OIDC_ISSUER": "https://login.fylke.example/realms/fylke", "OIDC_AUDIENCE": "brukerhjelp",
		"DIRECTORY_FILE": "/etc/brukerhjelp/directory.yaml",
		"KEYSTORE_URL":   "postgres://keys@db/brukerhjelp_keys", "BRUKERHJELP_MASTER_KEY_FILE": "/run/secrets/master.key",
	}
}

func TestLoadNamesEveryBadSetting(t *testing.T) {
	if _, err := Load(API, env(good())); err != nil {
		t.Fatalf("good settings refused: %v", err)
	}
	tests := []struct {
		role   Role
		change map[string]string
		names  []string
	}{
		{API, map[string]string{"OIDC_ISSUER": ""}, []string{"OIDC_ISSUER"}},
		{API, map[string]string{"OIDC_ISSUER": "http://insecure.example", "OIDC_AUDIENCE": ""}, []string{"OIDC_ISSUER", "OIDC_AUDIENCE"}},
		{API, map[string]string{"TEMPORAL_ADDRESS": "temporal"}, []string{"TEMPORAL_ADDRESS"}},
		{API, map[string]string{"EVENTSTORE_URL": "mysql://x"}, []string{"EVENTSTORE_URL"}},
		{API, map[string]string{"EVENTSTORE_URL": "sqlite:"}, []string{"EVENTSTORE_URL"}},
		{API, map[string]string{"DATABASE_URL": ""}, []string{"DATABASE_URL"}},
		{API, map[string]string{"HTTP_ADDR": "8080"}, []string{"HTTP_ADDR"}},
		{API, map[string]string{"SMTP_URL": "mail.example:25"}, []string{"SMTP_URL"}},
		// The web pages' sign-in: both or neither, and a real address.
		{API, map[string]string{"OIDC_CLIENT_ID": "brukerhjelp-web", "PUBLIC_URL": "https://brukerhjelp.fylke.example"}, nil},
		{API, map[string]string{"OIDC_CLIENT_ID": "brukerhjelp-web", "OIDC_CLIENT_SECRET": "s", "PUBLIC_URL": "https://brukerhjelp.fylke.example/"}, nil},
		{API, map[string]string{"OIDC_CLIENT_ID": "brukerhjelp-web"}, []string{"PUBLIC_URL"}},
		{API, map[string]string{"PUBLIC_URL": "https://brukerhjelp.fylke.example"}, []string{"OIDC_CLIENT_ID"}},
		{API, map[string]string{"OIDC_CLIENT_SECRET": "s"}, []string{"OIDC_CLIENT_ID"}},
		{API, map[string]string{"OIDC_CLIENT_ID": "w", "PUBLIC_URL": "http://brukerhjelp.fylke.example"}, []string{"PUBLIC_URL"}},
		{API, map[string]string{"OIDC_CLIENT_ID": "w", "PUBLIC_URL": "http://127.0.0.1:8080"}, nil},
		{API, map[string]string{"OIDC_CLIENT_ID": "w", "PUBLIC_URL": "https://fylke.example/brukerhjelp"}, []string{"PUBLIC_URL"}},
		{API, map[string]string{"OIDC_CLIENT_ID": "w", "PUBLIC_URL": "brukerhjelp.fylke.example"}, []string{"PUBLIC_URL"}},
		{Worker, map[string]string{"LOG_FORMAT": "xml"}, []string{"LOG_FORMAT"}},
		{Worker, map[string]string{"LOG_FORMAT": "text"}, nil},
		{Worker, map[string]string{"OIDC_ISSUER": "", "HTTP_ADDR": ""}, nil},    // the worker needs no HTTP and checks no tokens
		{Worker, map[string]string{"HTTP_ADDR": "9090"}, []string{"HTTP_ADDR"}}, // when set, its metrics' address
		{Worker, map[string]string{"DIRECTORY_FILE": "", "TEMPORAL_NAMESPACE": ""}, []string{"DIRECTORY_FILE", "TEMPORAL_NAMESPACE"}},
		// Personal data: the key store (never the read model), a master key.
		{Worker, map[string]string{"KEYSTORE_URL": ""}, []string{"KEYSTORE_URL"}},
		{Worker, map[string]string{"KEYSTORE_URL": "", "EVENTSTORE_URL": "sqlite:/data/events.db"}, nil}, // keys.db beside it
		{API, map[string]string{"KEYSTORE_URL": "sqlite:/data/readmodel.db"}, []string{"KEYSTORE_URL"}},
		{API, map[string]string{"KEYSTORE_URL": "mysql://x"}, []string{"KEYSTORE_URL"}},
		{Worker, map[string]string{"BRUKERHJELP_MASTER_KEY_FILE": ""}, []string{"BRUKERHJELP_MASTER_KEY_FILE", "brukerhjelp keys generate"}},
		{Worker, map[string]string{"BRUKERHJELP_MASTER_KEY_FILE": "", "BRUKERHJELP_MASTER_KEY": "kort"}, []string{"BRUKERHJELP_MASTER_KEY"}},
		{Worker, map[string]string{"BRUKERHJELP_MASTER_KEY_FILE": "", "BRUKERHJELP_MASTER_KEY": "Yi0cdwD0dj3kMcPuEEU7gxBqS1n7q8n8qFNyCN2sC0A="}, nil},
		{API, map[string]string{"TEMPORAL_UI_ORIGIN": "temporal.fylke.example"}, []string{"TEMPORAL_UI_ORIGIN"}},
		{API, map[string]string{"TEMPORAL_UI_ORIGIN": "https://temporal.fylke.example"}, nil},
	}
	for _, tt := range tests {
		m := good()
		for k, v := range tt.change {
			m[k] = v
		}
		_, err := Load(tt.role, env(m))
		if len(tt.names) == 0 {
			if err != nil {
				t.Errorf("%s %v: got %v, want no error", tt.role, tt.change, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s %v: got no error, want one naming %v", tt.role, tt.change, tt.names)
			continue
		}
		for _, n := range tt.names {
			if !strings.Contains(err.Error(), n) {
				t.Errorf("%s %v: error %q does not name %s", tt.role, tt.change, err, n)
			}
		}
	}
}

func TestLogFormatDefaultsToJSON(t *testing.T) {
	c, err := Load(Worker, env(good()))
	if err != nil || c.LogFormat != "json" {
		t.Fatalf("LOG_FORMAT unset: got %q, %v; want json", c.LogFormat, err)
	}
}

// TestEventStoreURLSchemes: EVENTSTORE_URL takes exactly the schemes
// esdbstore.Open takes, in any case, and refuses what Open refuses.
func TestEventStoreURLSchemes(t *testing.T) {
	for _, scheme := range esdbstore.Schemes {
		for _, s := range []string{scheme, strings.ToUpper(scheme)} {
			m := good()
			m["EVENTSTORE_URL"] = s + "eventstore:2113?tls=false"
			if _, err := Load(Worker, env(m)); err != nil {
				t.Errorf("EVENTSTORE_URL=%s…: %v, want it accepted (esdbstore.Open takes it)", s, err)
			}
			store, err := esdbstore.Open(m["EVENTSTORE_URL"])
			if err != nil {
				t.Errorf("esdbstore.Open(%s…) = %v; config and the store disagree", s, err)
				continue
			}
			store.Close()
		}
	}
	for _, v := range []string{
		"esdbx://eventstore:2113",
		"eventstore:2113",
		"esdb://eventstore:2113?defaultDeadline=soon",
		"kdb://eventstore:2113?nodePreference=follower",
		"SQLITE:/data/events.db", // the file backend's prefix is exact
	} {
		m := good()
		m["EVENTSTORE_URL"] = v
		_, err := Load(Worker, env(m))
		if err == nil || !strings.Contains(err.Error(), "EVENTSTORE_URL") {
			t.Errorf("EVENTSTORE_URL=%s: got %v, want an error naming EVENTSTORE_URL", v, err)
		}
	}
}
