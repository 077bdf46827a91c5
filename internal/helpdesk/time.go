package helpdesk

import (
	"time"
	_ "time/tzdata" // the binary must know Europe/Oslo on any machine
)

// Oslo is the help desk's time zone.
var Oslo = mustLoad("Europe/Oslo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
