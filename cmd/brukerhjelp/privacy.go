package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// loadRetention reads a retention policy (helpdesk.RetentionPolicy as
// JSON) from file, or the default one for "". A policy that leaves a kind
// without a rule stops the process at start.
func loadRetention(file string) (helpdesk.RetentionPolicy, error) {
	if file == "" {
		return helpdesk.DefaultRetention(), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return helpdesk.RetentionPolicy{}, err
	}
	var p helpdesk.RetentionPolicy
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return helpdesk.RetentionPolicy{}, fmt.Errorf("%s: %w", file, err)
	}
	if err := p.Validate(); err != nil {
		return helpdesk.RetentionPolicy{}, fmt.Errorf("%s: %w", file, err)
	}
	return p, nil
}
