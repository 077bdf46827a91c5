package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// OrderPreview is an order as it would be placed: priced from the catalog,
// and who must accept its cost before it goes to fulfilment.
type OrderPreview struct {
	Order helpdesk.Order
	// BudgetHolder accepts the cost of the non-standard items; empty when
	// the order needs no acceptance.
	BudgetHolder string
}

// PreviewOrder prices an order the actor is about to place, so a form can
// show the total and whose acceptance it needs before it is sent ("check
// your answers"). It refuses what OpenCase would refuse and changes
// nothing.
func (d *Desk) PreviewOrder(ctx context.Context, actor helpdesk.Actor, req helpdesk.OrderRequest) (OrderPreview, error) {
	if err := Authorize(actor, ActionCreate(helpdesk.KindOrder)); err != nil {
		return OrderPreview{}, err
	}
	req.Kind = helpdesk.KindOrder
	order, budgetHolder, _, err := d.priceOrder(actor, &req)
	if err != nil {
		return OrderPreview{}, err
	}
	p := OrderPreview{Order: order}
	if order.NeedsApproval() {
		p.BudgetHolder = budgetHolder
	}
	return p, nil
}
