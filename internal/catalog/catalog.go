// Package catalog holds the standard catalog of goods and services that
// employees order without approval. The built-in catalog is a data file
// (catalog.json); a county replaces it with its own file.
package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

//go:embed catalog.json
var builtin []byte

type file struct {
	Items []helpdesk.CatalogItem `json:"items"`
}

// Default is the built-in standard catalog.
func Default() helpdesk.Catalog {
	c, err := parse(builtin)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return c
}

// Load reads a catalog file.
func Load(path string) (helpdesk.Catalog, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return parse(b)
}

func parse(b []byte) (helpdesk.Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c := helpdesk.Catalog{}
	for _, it := range f.Items {
		if it.ID == "" || it.Name == "" || it.PriceNOK < 0 {
			return nil, errors.New("catalog: every item needs an id, a name and a price of 0 or more")
		}
		if _, dup := c[it.ID]; dup {
			return nil, fmt.Errorf("catalog: item %q appears twice", it.ID)
		}
		c[it.ID] = it
	}
	return c, nil
}
