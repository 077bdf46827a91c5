//go:build tools

package deps

import (
	_ "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	_ "github.com/ThreeDotsLabs/watermill"
	_ "github.com/google/uuid"
	_ "github.com/rickar/cal/v2/no"
	_ "github.com/temporalio/ui-server/v2/server"
	_ "go.temporal.io/sdk/client"
	_ "go.temporal.io/server/temporal"
	_ "modernc.org/sqlite"
)
