package eventstore

import (
	"strconv"

	"github.com/google/uuid"
)

// idNamespace is the UUIDv5 namespace of Brukerhjelp event IDs.
var idNamespace = uuid.MustParse("6f1f1c0e-8a43-5b8e-9d55-2b1e1a0b6c11")

// DeterministicID derives the ID of the index-th event appended by one
// activity execution. A retried activity has the same workflow ID, run ID
// and activity ID, so it appends the same IDs and the store deduplicates.
func DeterministicID(workflowID, runID, activityID string, index int) uuid.UUID {
	name := workflowID + "\x00" + runID + "\x00" + activityID + "\x00" + strconv.Itoa(index)
	return uuid.NewSHA1(idNamespace, []byte(name))
}
