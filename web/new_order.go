package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// The order form (API.md section 4): items from the standard catalogue
// with a quantity, items outside it with a description and an estimated
// cost, and the cost centre. Before the order is sent the page shows
// what it costs and whether the budget holder must accept it
// (Desk.PreviewOrder): without JavaScript as a "check your answers" step
// (the form comes back with the check and a send button), with it the
// check updates as the form is filled in (htmx posts the form on each
// change and swaps the check in). An order changed after it was checked
// is checked again rather than sent unseen.
//
// Fields carry the API's names: items[i].catalogItem, items[i].quantity,
// items[i].description, items[i].estimatedCostNOK, costCenter. The form's
// rows are the catalogue's items, then extraRows free rows; the rows
// left empty are not sent, so the desk's items[n] is the n-th row filled
// in (orderRows maps one to the other).

var orderTemplate = parsePage("new_order.html", "order_lines.html")

// extraRows is how many items outside the catalogue one form takes.
const extraRows = 3

// orderRow is one row of the order form.
type orderRow struct {
	Index int
	// Item is the catalogue's, for a catalogue row.
	Item helpdesk.CatalogItem
}

// Field is the form's field name of this row's part (items[3].quantity).
func (r orderRow) Field(part string) string { return fmt.Sprintf("items[%d].%s", r.Index, part) }

// Number is the row's place among the free rows, from 1.
func (r orderRow) Number(first int) int { return r.Index - first + 1 }

// orderData is what the order form shows beside its fields.
type orderData struct {
	Catalog []orderRow
	Extra   []orderRow
	// FirstExtra is the index of the first free row.
	FirstExtra int
	Units      []named
	CostCenter string
}

// orderCheck is what the check found: the order priced, who must accept
// it, and the fingerprint of what was checked.
type orderCheck struct {
	Preview      desk.OrderPreview
	BudgetHolder string
	Fingerprint  string
	// Changed: the order was sent after a change the check had not seen.
	Changed bool
	// Problem is why a live check cannot price the order yet.
	Problem string
}

func init() {
	addCaseForm(caseForm{kind: helpdesk.KindOrder, page: orderTemplate,
		fields: []string{"title", "description", "costCenter", "items[0].quantity"},
		data:   orderFormData, read: readOrder, check: checkOrder, fieldOf: orderFieldOf})
}

// catalogRows are the catalogue's items in the order the form lists them
// (by ID, the same in both languages).
func catalogRows(cat helpdesk.Catalog) []orderRow {
	items := make([]helpdesk.CatalogItem, 0, len(cat))
	for _, it := range cat {
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b helpdesk.CatalogItem) int { return strings.Compare(a.ID, b.ID) })
	rows := make([]orderRow, len(items))
	for i, it := range items {
		rows[i] = orderRow{Index: i, Item: it}
	}
	return rows
}

func orderFormData(s *Server, r *http.Request, v *view) (any, error) {
	rows := catalogRows(s.cfg.Desk.Catalog())
	d := orderData{Catalog: rows, FirstExtra: len(rows), Units: s.names(v).units(v.User.Unit), CostCenter: v.User.Unit}
	for i := range extraRows {
		d.Extra = append(d.Extra, orderRow{Index: len(rows) + i})
	}
	if v.Form != nil {
		d.CostCenter = v.Form.Value("costCenter")
	}
	return d, nil
}

// orderRows reads the rows filled in: the items of the request, and for
// each the index of its row on the form. What cannot be read (a quantity
// that is no number) goes on f.
func orderRows(s *Server, r *http.Request, f *Form) ([]helpdesk.OrderItem, []int) {
	l := Lang(r)
	rows := catalogRows(s.cfg.Desk.Catalog())
	var items []helpdesk.OrderItem
	var at []int
	quantity := func(field string, blankIsOne bool) (int, bool) {
		v := strings.TrimSpace(f.Value(field))
		if v == "" {
			if blankIsOne {
				return 1, true
			}
			return 0, true
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			f.Fail(field, l.T("order.quantity.notNumber"))
			return 0, false
		}
		return n, true
	}
	for _, row := range rows {
		n, ok := quantity(row.Field("quantity"), false)
		if !ok || n == 0 {
			continue
		}
		items = append(items, helpdesk.OrderItem{CatalogItem: row.Item.ID, Quantity: n})
		at = append(at, row.Index)
	}
	for i := range extraRows {
		row := orderRow{Index: len(rows) + i}
		desc := strings.TrimSpace(f.Value(row.Field("description")))
		cost := strings.TrimSpace(f.Value(row.Field("estimatedCostNOK")))
		qty := strings.TrimSpace(f.Value(row.Field("quantity")))
		if desc == "" && cost == "" && qty == "" {
			continue
		}
		n, ok := quantity(row.Field("quantity"), true)
		if !ok {
			continue
		}
		it := helpdesk.OrderItem{Description: desc, Quantity: n}
		if cost != "" {
			c, ok := parseKroner(cost)
			if !ok {
				f.Fail(row.Field("estimatedCostNOK"), l.T("order.cost.notNumber"))
				continue
			}
			it.EstimatedCostNOK = &c
		}
		items = append(items, it)
		at = append(at, row.Index)
	}
	return items, at
}

// kroner is an amount as people type it: "4500", "4 500", "4 500 kr",
// "4500,-".
var kroner = regexp.MustCompile(`^\d[\d\s\x{00a0}.]*(,-)?$`)

func parseKroner(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(s), "nok")), "kr"))
	if !kroner.MatchString(s) {
		return 0, false
	}
	s = strings.TrimSuffix(s, ",-")
	s = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func readOrder(s *Server, r *http.Request, f *Form) desk.NewCase {
	items, _ := orderRows(s, r, f)
	return desk.NewCase{Order: &helpdesk.OrderRequest{Title: f.Value("title"), Description: f.Value("description"),
		CostCenter: f.Value("costCenter"), Items: items}}
}

// itemField is the desk's name of an item's field: items[2].quantity.
var itemField = regexp.MustCompile(`^items\[(\d+)\]\.(\w+)$`)

// orderFieldOf names the form's field for the desk's: items[n].x is the
// n-th row filled in; items (no rows at all) is the first quantity.
func orderFieldOf(s *Server, r *http.Request, f *Form, field string) string {
	if field == "items" {
		return "items[0].quantity"
	}
	m := itemField.FindStringSubmatch(field)
	if m == nil {
		return field
	}
	n, _ := strconv.Atoi(m[1])
	if _, at := orderRows(s, r, &Form{Values: f.Values}); n < len(at) {
		return fmt.Sprintf("items[%d].%s", at[n], m[2])
	}
	return field
}

// checkOrder prices the order and says who must accept it. The order is
// sent only when confirm=yes comes with the fingerprint of the check the
// user saw. A live check (htmx, while the form is filled in) prices what
// there is: a missing title does not stop it, and what the desk refuses
// is said in the check rather than beside a field.
func checkOrder(s *Server, r *http.Request, f *Form, n desk.NewCase) (any, bool, error) {
	req := *n.Order
	req.Items = slices.Clone(req.Items)
	liveCheck := r.Header.Get("HX-Request") == "true"
	if liveCheck && strings.TrimSpace(req.Title) == "" {
		req.Title = "-"
	}
	p, err := s.cfg.Desk.PreviewOrder(r.Context(), Actor(r), req)
	if err != nil {
		if e, ok := desk.AsError(err); ok && liveCheck {
			return orderCheck{Problem: e.Text(Lang(r) == i18n.EN)}, false, nil
		}
		return nil, false, err
	}
	c := orderCheck{Preview: p, Fingerprint: orderFingerprint(p)}
	if p.BudgetHolder != "" {
		c.BudgetHolder = names{dir: s.cfg.Directory, lang: Lang(r)}.Name(p.BudgetHolder)
	}
	if f.Value("confirm") == "yes" && !liveCheck {
		if f.Value("checked") == c.Fingerprint {
			return c, true, nil
		}
		c.Changed = true
	}
	return c, false, nil
}

// orderFingerprint identifies what a check showed: the lines, the cost
// centre, the total and who accepts it.
func orderFingerprint(p desk.OrderPreview) string {
	b, _ := json.Marshal(p)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
