package desk

// errNoWorkflow: the record holds the case as still going on, but no
// workflow runs it — a record written by brukerhjelp seed, whose open
// cases were never started in this Temporal (docs/PERFORMANCE.md, "A
// million cases"). A step on it is refused as a conflict, saying why.
var errNoWorkflow = refuse(Conflict, "", "ingen arbeidsflyt kjører denne saken (den ble skrevet av brukerhjelp seed), så ingen steg kan tas på den",
	"no workflow runs this case (brukerhjelp seed wrote it), so no step can be taken on it")
