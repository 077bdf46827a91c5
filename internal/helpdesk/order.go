package helpdesk

import (
	"fmt"
	"strings"
)

// CatalogItem is a standard good or service.
type CatalogItem struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	PriceNOK int64  `json:"priceNOK"`
	// Category is "software" for software, "" for equipment: the
	// new-user form offers each under its heading.
	Category string `json:"category,omitempty"`
}

// CategorySoftware marks a catalog item that is software.
const CategorySoftware = "software"

// Catalog is the standard catalog by item ID.
type Catalog map[string]CatalogItem

// OrderItem is one line of an order as the user asks for it: a catalog
// item, or a described non-standard item with its estimated cost.
type OrderItem struct {
	CatalogItem      string `json:"catalogItem,omitempty"`
	Description      string `json:"description,omitempty"`
	EstimatedCostNOK *int64 `json:"estimatedCostNOK,omitempty"`
	Quantity         int    `json:"quantity"`
}

// OrderRequest is what a user asks for when ordering goods and services.
type OrderRequest struct {
	Kind        Kind        `json:"kind"`
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Items       []OrderItem `json:"items"`
	CostCenter  string      `json:"costCenter"`
}

// OrderLine is a priced line of a placed order.
type OrderLine struct {
	CatalogItem string `json:"catalogItem,omitempty"`
	Description string `json:"description"`
	Quantity    int    `json:"quantity"`
	UnitCostNOK int64  `json:"unitCostNOK"`
	Standard    bool   `json:"standard"`
}

// Order is the order part of a case.
type Order struct {
	Lines          []OrderLine `json:"lines"`
	CostCenter     string      `json:"costCenter"`
	TotalNOK       int64       `json:"totalNOK"`
	NonStandardNOK int64       `json:"nonStandardNOK"`
	RejectedReason string      `json:"rejectedReason,omitempty"`
}

// NeedsApproval reports whether the order has non-standard lines, which
// need an IT review and the cost centre's acceptance.
func (o Order) NeedsApproval() bool {
	for _, l := range o.Lines {
		if !l.Standard {
			return true
		}
	}
	return false
}

// Limits of an order.
const (
	MaxOrderLines   = 50
	MaxQuantity     = 100
	MaxItemCostNOK  = 10_000_000
	MaxItemDescribe = 500
)

// Price checks an order request against the catalog and prices it; the
// error names the field (items[2].quantity). units tells whether a cost
// centre exists.
func (r *OrderRequest) Price(cat Catalog, unitExists func(string) bool) (Order, error) {
	if err := line("title", &r.Title, MaxTitle, true); err != nil {
		return Order{}, err
	}
	if err := text("description", &r.Description, MaxDescription, false); err != nil {
		return Order{}, err
	}
	if err := line("costCenter", &r.CostCenter, MaxIdentifier, true); err != nil {
		return Order{}, err
	}
	if !unitExists(r.CostCenter) {
		return Order{}, invalid("costCenter", "ukjent enhet", "unknown unit")
	}
	if len(r.Items) == 0 || len(r.Items) > MaxOrderLines {
		return Order{}, invalid("items", fmt.Sprintf("en bestilling har 1 til %d linjer", MaxOrderLines), fmt.Sprintf("an order has 1 to %d items", MaxOrderLines))
	}
	o := Order{CostCenter: r.CostCenter}
	for i, it := range r.Items {
		f := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
		if err := line(f("catalogItem"), &it.CatalogItem, MaxIdentifier, false); err != nil {
			return Order{}, err
		}
		if err := line(f("description"), &it.Description, MaxItemDescribe, false); err != nil {
			return Order{}, err
		}
		r.Items[i] = it
		if it.Quantity < 1 || it.Quantity > MaxQuantity {
			return Order{}, invalid(f("quantity"), fmt.Sprintf("antall må være 1 til %d", MaxQuantity), fmt.Sprintf("quantity must be 1 to %d", MaxQuantity))
		}
		var line OrderLine
		switch {
		case it.CatalogItem != "":
			if it.Description != "" || it.EstimatedCostNOK != nil {
				return Order{}, invalid(f("catalogItem"), "en katalogvare har ikke beskrivelse eller kostnad", "a catalog item takes no description or cost")
			}
			ci, ok := cat[it.CatalogItem]
			if !ok {
				return Order{}, invalid(f("catalogItem"), "ukjent katalogvare", "unknown catalog item")
			}
			line = OrderLine{CatalogItem: ci.ID, Description: ci.Name, UnitCostNOK: ci.PriceNOK, Standard: true}
		default:
			desc := strings.TrimSpace(it.Description)
			if desc == "" {
				return Order{}, invalid(f("description"), "oppgi catalogItem eller description med estimatedCostNOK", "give catalogItem, or description with estimatedCostNOK")
			}
			if len([]rune(desc)) > MaxItemDescribe {
				return Order{}, invalid(f("description"), "beskrivelsen er for lang", "the description is too long")
			}
			if it.EstimatedCostNOK == nil {
				return Order{}, invalid(f("estimatedCostNOK"), "estimatedCostNOK mangler", "estimatedCostNOK is required")
			}
			if c := *it.EstimatedCostNOK; c < 0 || c > MaxItemCostNOK {
				return Order{}, invalid(f("estimatedCostNOK"), "kostnaden må være 0 til 10 000 000 kr", "the cost must be 0 to 10,000,000 NOK")
			}
			line = OrderLine{Description: desc, UnitCostNOK: *it.EstimatedCostNOK}
		}
		line.Quantity = it.Quantity
		o.Lines = append(o.Lines, line)
		o.TotalNOK += line.UnitCostNOK * int64(line.Quantity)
		if !line.Standard {
			o.NonStandardNOK += line.UnitCostNOK * int64(line.Quantity)
		}
	}
	return o, nil
}

// OrderPlaced: the order's lines and costs, recorded when it is opened.
type OrderPlaced struct {
	Order Order `json:"order"`
}

// CaseRejected: an approval was refused or expired; the reporter is told
// why.
type CaseRejected struct {
	Reason string `json:"reason"`
}

func (OrderPlaced) EventType() string  { return "OrderPlaced" }
func (CaseRejected) EventType() string { return "CaseRejected" }

func init() {
	register[OrderPlaced]()
	register[CaseRejected]()
	declarePersonal[OrderPlaced]("order.lines[].description")
	declarePersonal[CaseRejected]("reason")
}

// OpenOrder decides the opening event of an order case.
func OpenOrder(caseID, reference string, r OrderRequest, actor Actor) CaseOpened {
	return CaseOpened{
		CaseID:      caseID,
		Reference:   reference,
		Kind:        KindOrder,
		Title:       r.Title,
		Description: strings.TrimSpace(r.Description),
		Channel:     ChannelPortal,
		Reporter:    actor.Username,
		CreatedBy:   actor.Username,
		Group:       FirstLineGroup,
	}
}
