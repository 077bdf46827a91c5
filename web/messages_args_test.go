package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every sentence the pages say with a literal message key gets as many
// values as the message (bokmål and English alike) has places for: one
// too many shows as "%!(EXTRA …)" on the page, one too few as
// "%!s(MISSING)". Read from the source, so a new call is checked too.
func TestEveryMessageGetsTheValuesItFormats(t *testing.T) {
	fs := token.NewFileSet()
	catalogue := map[string]map[string]string{"nb": {}, "en": {}}
	files, err := filepath.Glob("i18n/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no message files: %v", err)
	}
	for _, f := range files {
		// cases_nb.go holds bokmål, cases_en.go English; the rest no messages.
		name := strings.TrimSuffix(f, ".go")
		msgs, ok := catalogue[name[strings.LastIndex(name, "_")+1:]]
		if !ok {
			continue
		}
		file, err := parser.ParseFile(fs, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if kv, ok := n.(*ast.KeyValueExpr); ok {
				k, kok := kv.Key.(*ast.BasicLit)
				v, vok := kv.Value.(*ast.BasicLit)
				if kok && vok && k.Kind == token.STRING && v.Kind == token.STRING {
					key, _ := strconv.Unquote(k.Value)
					msgs[key], _ = strconv.Unquote(v.Value)
				}
			}
			return true
		})
	}
	if len(catalogue["nb"]) < 100 || len(catalogue["en"]) < 100 {
		t.Fatalf("read %d bokmål and %d English messages; the files' shape changed", len(catalogue["nb"]), len(catalogue["en"]))
	}
	sources, _ := filepath.Glob("*.go")
	calls := 0
	for _, f := range sources {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fs, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || len(c.Args) == 0 || c.Ellipsis.IsValid() {
				return true
			}
			var name string
			switch fn := c.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			lit, ok := c.Args[0].(*ast.BasicLit)
			if (name != "t" && name != "T") || !ok || lit.Kind != token.STRING {
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			for lang, msgs := range catalogue {
				msg, ok := msgs[key]
				if !ok {
					continue
				}
				calls++
				if want := places(msg); len(c.Args)-1 != want {
					t.Errorf("%s: %q gets %d values, its %s message %q has places for %d", fs.Position(c.Pos()), key, len(c.Args)-1, lang, msg, want)
				}
			}
			return true
		})
	}
	if calls < 100 {
		t.Errorf("checked %d calls; the pages' calls changed shape", calls)
	}
}

var (
	formatVerb  = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	explicitArg = regexp.MustCompile(`%\[(\d+)\]`)
)

// places is how many values a message formats: its highest explicit
// index (%[2]s), or else its verbs.
func places(msg string) int {
	msg = strings.ReplaceAll(msg, "%%", "")
	if ms := explicitArg.FindAllStringSubmatch(msg, -1); len(ms) > 0 {
		n := 0
		for _, m := range ms {
			i, _ := strconv.Atoi(m[1])
			n = max(n, i)
		}
		return n
	}
	return len(formatVerb.FindAllString(msg, -1))
}
