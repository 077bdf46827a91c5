package api

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// BenchmarkWriteTaskList is the answer of GET /api/v1/tasks for a
// caseworker whose inbox holds as many open tasks as the busiest one on
// the seeded million (docs/PERFORMANCE.md): the cost of writing it, apart
// from reading it.
//
//	go test ./api/ -run '^$' -bench WriteTaskList
func BenchmarkWriteTaskList(b *testing.B) {
	at := time.Date(2026, 11, 27, 9, 14, 0, 0, time.UTC)
	items := make([]readmodel.TaskItem, 1280)
	for i := range items {
		due := at.Add(time.Duration(i) * time.Hour)
		items[i] = readmodel.TaskItem{ID: fmt.Sprintf("fulfil-%d", i), CaseID: "8d3c4a1e-2b7f-4c9a-9e21-5f0a6b7c8d9e",
			CaseReference: fmt.Sprintf("BH-2026-%06d", i), CaseTitle: "Ny bærbar PC til saksbehandler i tredje etasje",
			CaseKind: helpdesk.KindOrder, Kind: helpdesk.TaskFulfilment, Type: "deliver", Title: "Lever utstyret",
			Status: helpdesk.TaskStatusOpen, Group: "klient", CreatedAt: at.Add(time.Duration(i) * time.Minute), DueAt: &due}
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		writeJSON(w, 200, taskList{Items: items})
	}
}
