package projection

import (
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// TestPostgres runs the projection's tests again with the read model on
// PostgreSQL (when BRUKERHJELP_TEST_POSTGRES names a server), each in a
// schema of its own.
func TestPostgres(t *testing.T) {
	readmodeltest.Postgres(t,
		TestEachPersonIsToldWhatConcernsThemAndNothingElse,
		TestNoNotificationTwiceAfterRedeliveryCrashOrRebuild,
		TestAStopInsideTheTransactionLeavesNoNotificationBehind,
		TestListsShowEachUserWhatTheyMaySee,
		TestListsAgreeWithTheDomain,
		TestRebuildFromScratchEqualsTheLiveReadModel,
		TestAFailureBeforeCommitIsRetriedAndAppliedOnce,
		TestAStopMidTransactionResumesWithoutDoubleCounting,
		TestRedeliveredEventsChangeNothing,
		TestPoisonedEventsAreRecordedNotDropped,
		TestUnknownEventTypesAreSkippedAndCounted,
		TestReadyOnlyWhileRunning,
		TestOneProjectorKeepsTheReadModel,
		TestVerifyFindsWhatDiffersFromARebuild,
		TestARebuildInLargeBatchesEqualsTheLiveReadModel,
		TestAnnouncementsAreListedAndToldToEveryone,
		TestACaseEventOnAnAnnouncementStreamIsPoison,
		TestAuditLogStreamsAreIgnored,
	)
}
