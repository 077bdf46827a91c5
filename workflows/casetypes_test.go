package workflows_test

import (
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Each kind starts a workflow type of its own, named after it, so
// Temporal's tools say what a workflow is.
func TestEveryKindStartsItsOwnWorkflowType(t *testing.T) {
	for _, c := range []struct {
		in   workflows.CaseInput
		want string
	}{
		{input(), "IncidentWorkflow"},
		{workflows.CaseInput{Request: helpdesk.OpenRequest{Kind: helpdesk.KindGuidance}}, "GuidanceWorkflow"},
		{workflows.CaseInput{Order: &workflows.OrderInput{}}, "OrderWorkflow"},
		{workflows.CaseInput{NewUser: &workflows.NewUserInput{}}, "NewUserWorkflow"},
		{workflows.CaseInput{ESA: &workflows.ESAInput{}}, "ESAAccessWorkflow"},
		{workflows.CaseInput{Departure: &workflows.DepartureInput{}}, "DepartureWorkflow"},
	} {
		if got, _ := c.in.Start(); got != c.want {
			t.Errorf("a %s case starts %s, want %s", c.in.Kind(), got, c.want)
		}
	}
}

// Cases started under the old CaseWorkflow keep running on it: every
// test of the kinds again, on CaseWorkflow.
func TestCaseWorkflowRunsAsBefore(t *testing.T) {
	legacyType = true
	defer func() { legacyType = false }()
	for name, test := range map[string]func(*testing.T){
		"incident":            TestIncidentLifecycle,
		"refusals":            TestStepsRefusedChangeNothing,
		"concurrent-claims":   TestConcurrentClaimsExactlyOneWins,
		"sla":                 TestSLAWarnsAndBreachesOnServiceHours,
		"sla-pause":           TestSLAPausesWhileWaitingForTheUser,
		"reminder":            TestUnansweredQuestionRemindsThenCloses,
		"reopen":              TestReopenWithinWindowThenClosesByItself,
		"assign-comment":      TestAssignmentAndComments,
		"routing":             TestRoutingAndAutoAssignment,
		"long-history":        TestLongCaseContinuesAsNew,
		"paged-load":          TestAContinuedRunLoadsALongStreamPageByPage,
		"standard-order":      TestStandardOrderGoesStraightToFulfilment,
		"non-standard-order":  TestNonStandardOrderNeedsReviewAndCostAcceptance,
		"rejected-order":      TestRejectedCostEndsTheOrder,
		"approval-timers":     TestApprovalRemindsEscalatesAndExpires,
		"fallback-deputy":     TestFallbackAndDeputyDecide,
		"cancel-order":        TestReporterCancelsOrderAwaitingApproval,
		"account-output":      TestAccountOutputIsANewFreeWellFormedUsername,
		"output-refused":      TestOutputTheTaskDoesNotTakeIsRefused,
		"step-text":           TestStepTextIsCleanedByTheWorkflow,
		"esa":                 TestESAAccessApprovedGrantedAndExpires,
		"esa-sensitive":       TestESASensitiveCodesNeedASecondApproval,
		"esa-recertify":       TestESAYearlyRecertificationContinuesAsNew,
		"departure":           TestDepartureRevokesEveryAccess,
		"departure-withdrawn": TestDepartureWithdrawnBeforeItTakesEffect,
		"new-user":            TestNewUserOnboarding,
		"linked-on-creation":  TestCaseLinkedOnCreationResolvesWithItsOutage,
		"link-step":           TestLinkStepAndResolvedCaseLeftAlone,
		"store-faults":        TestStoreFailuresInsideActivitiesAreRetriedWithoutDuplicates,
	} {
		t.Run(name, test)
	}
}
