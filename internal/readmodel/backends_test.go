package readmodel_test

import (
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// TestPostgres runs the read model's tests again on PostgreSQL (when
// BRUKERHJELP_TEST_POSTGRES names a server), each in a schema of its own.
func TestPostgres(t *testing.T) {
	readmodeltest.Postgres(t,
		TestNotificationsAreTheirRecipientsOwnNewestFirst,
		TestUnreadOnlyAndMarkingRead,
		TestNotificationInputIsChecked,
		TestReadFlagsOutliveARebuild,
		TestPagingNeverRepeatsOrSkipsACase,
		TestForeignCursorIsRefused,
		TestZeroVisibilitySeesNothing,
		TestAStepAtOrBeforeTheCheckpointIsNotRunAgain,
		TestAFailedStepLeavesNeitherRowNorCheckpoint,
		TestOpenCaseLoadCountsUnfinishedCasesPerCaseworker,
		TestOpenRebuildsAReadModelOfAnotherVersion,
		TestABatchCommitsItsStepsAndCheckpointTogether,
		TestReportCasesSelectsWhatCanCount,
		TestCommonQueriesUseIndexes,
		TestKPIFromIndexesEqualsTheFold,
		TestKPIDaysFollowTheCases,
		TestMailFeedSkipsWhatIsTooOldToMail,
		TestSearchByIndexIsTheDefinition,
		TestDuePagesNeverRepeatOrSkip,
		TestDeferredIndexesComeBack,
		TestBulkWritesEqualRowWrites,
		TestTheInboxShowsTheCaseAsItIsNow,
	)
}
