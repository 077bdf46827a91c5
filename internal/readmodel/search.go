package readmodel

import (
	"strings"
	"unicode"
)

// Free-text search (Filter.Q) by index: SQLite's FTS5 (cases_fts, kept in
// step with cases.search by triggers) and PostgreSQL's full text search (a
// GIN index on to_tsvector('simple', search)). Neither needs an extension.
//
// What q matches: q is split at white space into terms, and each term into
// words (runs of letters and digits, lower-cased; everything else
// separates). A case matches when every term is found in its reference,
// title or description: the term's words as consecutive words there, the
// last one as the start of a word. So "skriv" finds "Skriveren virker
// ikke", "BH-2026-000042" finds that reference, "vpn faller" finds "VPN
// faller ut" and "faller ut vpn" does too (two terms in any order), but
// "kriver" finds nothing: the index holds words, so the middle of a word
// is not found (before version 7 of the read model q matched anywhere,
// as a substring; docs/PERFORMANCE.md). A q without any word matches no
// case.
//
// cases.search holds the words of reference, title and description, each
// once in order, separated by single spaces, so the same definition can be
// written as " "+search contains " "+the term's words: contains (below)
// in Go, instr/strpos in SQL. That is the definition; the index finds the
// candidates.

// words splits s into lower-cased words: runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// searchText is what cases.search holds for a case.
func searchText(reference, title, description string) string {
	return strings.Join(words(reference+" "+title+" "+description), " ")
}

// searchTerms reads q as its terms, each as its words joined by spaces.
// Terms without a word are left out.
func searchTerms(q string) []string {
	var terms []string
	for _, f := range strings.Fields(q) {
		if w := words(f); len(w) > 0 {
			terms = append(terms, strings.Join(w, " "))
		}
	}
	return terms
}

// matches reports whether a case whose search column is search matches
// every term.
func matches(search string, terms []string) bool {
	s := " " + search
	for _, t := range terms {
		if !strings.Contains(s, " "+t) {
			return false
		}
	}
	return true
}

// ftsQuery is terms as an FTS5 query (SQLite): each term a phrase whose
// last word is a prefix, all of them required. Words are letters and
// digits only, so nothing in them needs quoting.
func ftsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + t + `" *`
	}
	return strings.Join(parts, " AND ")
}

// tsQuery is terms as a tsquery (PostgreSQL, 'simple' configuration):
// the words of a term follow each other (<->), the last one a prefix.
func tsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "(" + strings.ReplaceAll(t, " ", " <-> ") + ":*)"
	}
	return strings.Join(parts, " & ")
}

// sqliteSearch is SQLite's index of cases.search: an FTS5 table on the
// cases table's own column (external content), kept in step by triggers.
// secure-delete makes a deleted or changed text leave the index's pages
// too, not only its answers: an erasure (privacy.go) forgets the words.
var sqliteSearch = []string{
	`CREATE VIRTUAL TABLE IF NOT EXISTS cases_fts USING fts5(search, content='cases', content_rowid='rowid',
		tokenize='unicode61 remove_diacritics 0')`,
	`INSERT INTO cases_fts (cases_fts, rank) VALUES ('secure-delete', 1)`,
	`CREATE TRIGGER IF NOT EXISTS cases_fts_insert AFTER INSERT ON cases BEGIN
		INSERT INTO cases_fts (rowid, search) VALUES (new.rowid, new.search);
	END`,
	`CREATE TRIGGER IF NOT EXISTS cases_fts_update AFTER UPDATE OF search ON cases WHEN old.search <> new.search BEGIN
		INSERT INTO cases_fts (cases_fts, rowid, search) VALUES ('delete', old.rowid, old.search);
		INSERT INTO cases_fts (rowid, search) VALUES (new.rowid, new.search);
	END`,
	`CREATE TRIGGER IF NOT EXISTS cases_fts_delete AFTER DELETE ON cases BEGIN
		INSERT INTO cases_fts (cases_fts, rowid, search) VALUES ('delete', old.rowid, old.search);
	END`,
}

// pgSearch is PostgreSQL's: a GIN index on the words, in the 'simple'
// configuration (no stemming, no stop words: the words as they are).
var pgSearch = []string{
	`CREATE INDEX IF NOT EXISTS cases_search ON cases USING GIN (to_tsvector('simple', search))`,
}
