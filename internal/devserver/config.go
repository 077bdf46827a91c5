package devserver

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/primitives/timestamp"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

const (
	clusterName = "active"
	storeName   = "sqlite-default"

	// namespaceRetention keeps closed workflows' histories (and so what the
	// Web UI can show) for a week instead of Temporal's default day. The
	// event store is the record; this is for looking into recent work.
	namespaceRetention = 7 * 24 * time.Hour

	// busyTimeoutMillis lets a connection wait for a lock held by another
	// connection (our schema check, a sqlite3 shell or backup looking in)
	// instead of failing at once with SQLITE_BUSY.
	busyTimeoutMillis = 10000

	// lastSchemaObject is the last object the v1.32.1 schema files create
	// (schema/sqlite/v3/visibility/schema.sql). Its absence in a non-empty
	// file means a first start was interrupted half-way.
	lastSchemaObject = "executions_visibility_au"
)

// maxConns for a file database. The SQLite plugin would allow more with
// journal_mode=wal, but it opens deferred transactions, and when two of
// them read and then both want to write, SQLite fails one at once with
// SQLITE_BUSY_SNAPSHOT ("database is locked (517)"; busy_timeout does not
// apply). Temporal retries, but a failed shard write makes history reload
// the shard ("shard status unknown"). Measured on 2 cores, 200 concurrent
// one-timer workflows: 1 connection 26-40 workflows/s and no errors; 2 or
// 4 connections no faster (25-33/s) with 34-45 lock errors per run. The
// Temporal CLI dev server leaves it at the plugin's default of 1, too. A
// variable so the throughput test can compare.
var maxConns = 1

func newTemporal(opts Options, frontendAddr string, ports []int, sqlConf *config.SQL, logger temporalLogger, dc dynamicconfig.Client) (temporal.Server, error) {
	// Internal services listen on the loopback ports picked by the caller.
	// Static hosts replace ringpop: every service knows every other's
	// address up front, so there is no gossip, no membership ports and no
	// join wait.
	historyAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	matchingAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	workerAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[2]))
	hosts := map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: static.SingleLocalHost(frontendAddr),
		primitives.HistoryService:  static.SingleLocalHost(historyAddr),
		primitives.MatchingService: static.SingleLocalHost(matchingAddr),
		primitives.WorkerService:   static.SingleLocalHost(workerAddr),
	}

	conf := &config.Config{}
	// Global.Metrics stays nil: Temporal then uses a no-op metrics handler
	// and opens no Prometheus port. PProf.Port 0 keeps pprof off.
	conf.Persistence.DefaultStore = storeName
	conf.Persistence.VisibilityStore = storeName
	// One shard is plenty for one machine; it can never change for a file.
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{storeName: {SQL: sqlConf}}
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontendAddr,
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	// No HTTPPort for the frontend: its HTTP API (and Nexus over HTTP)
	// stays off. SDK clients, workers and the Web UI all speak gRPC.
	conf.Services = map[string]config.Service{
		string(primitives.FrontendService): {RPC: config.RPC{BindOnIP: opts.IP, GRPCPort: opts.FrontendPort}},
		string(primitives.HistoryService):  {RPC: config.RPC{BindOnIP: "127.0.0.1", GRPCPort: ports[0]}},
		string(primitives.MatchingService): {RPC: config.RPC{BindOnIP: "127.0.0.1", GRPCPort: ports[1]}},
		string(primitives.WorkerService):   {RPC: config.RPC{BindOnIP: "127.0.0.1", GRPCPort: ports[2]}},
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The worker service (system workflows: scheduler, batcher, ...) is a
	// client of the frontend like any other.
	conf.PublicClient.HostPort = frontendAddr

	ts, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dc),
	)
	if err != nil {
		return nil, fmt.Errorf("create temporal server: %w", err)
	}
	return ts, nil
}

// dynamicConfig is what a single-user dev server wants. Keys come from the
// typed settings, not strings, so a key that a Temporal upgrade renames or
// removes breaks the build instead of being silently ignored.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// Workflow Updates, including waiting for "Accepted" only. Both are on
		// by default in v1.32.1; set so a changed default cannot surprise us.
		// (Update-with-start is ExecuteMultiOperation, which v1.32.1 no longer
		// gates: there is no frontend.enableExecuteMultiOperation key.)
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key():              true,
		dynamicconfig.FrontendEnableUpdateWorkflowExecutionAsyncAccepted.Key(): true,

		// system.forceSearchAttributesCacheRefreshOnRead is not here:
		// startupClient switches it.
		//
		// As the CLI dev server: persistence rate limits for one local
		// file (CLI values).
		dynamicconfig.FrontendPersistenceMaxQPS.Key(): 10000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():  45000,
		// The Web UI lists and counts workflows on every page; the default
		// visibility rate limit (10/s) makes it stutter.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key():        100,
		dynamicconfig.FrontendMaxNamespaceVisibilityBurstRatioPerInstance.Key(): 1,
		// Namespace changes (e.g. retention) show up within a second.
		dynamicconfig.NamespaceCacheRefreshInterval.Key(): time.Second,
		// One matching node: partitions would only add forwarding hops
		// between a task and the worker polling for it.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,

		// Latency (docs/PERFORMANCE.md, "Where the 50 ms steps came
		// from"). Every workflow task that is not a speculative one (an
		// update's) leaves history through the transfer queue: the task is
		// written with the workflow's state, the queue's reader loads it
		// and pushes it to matching. The reader loads at most
		// transferProcessorMaxPollRPS times a second per shard (default
		// 20, i.e. one load per 50 ms), and with one shard every workflow
		// shares that budget: a task waited up to 50 ms for its load, each
		// create three times, each step once. The reader still loads only
		// when a write notifies it (or once a minute), so a high limit
		// costs nothing while idle; the persistence limits above still
		// bound it.
		dynamicconfig.TransferProcessorMaxPollRPS.Key(): 10000,
		// The first workflow task of a workflow started with
		// EnableEagerStart comes back in the start's answer, and an
		// activity a workflow task schedules comes back in that task's
		// completion, both without a trip through the transfer queue and
		// matching. Both are on by default in v1.32.1; set so a changed
		// default cannot surprise us. (Update-with-start, which the desk's
		// create uses, cannot start eagerly: the frontend refuses
		// RequestEagerExecution in a multi-operation.)
		dynamicconfig.EnableEagerWorkflowStart.Key():     true,
		dynamicconfig.EnableActivityEagerExecution.Key(): true,

		// Memory (docs/PERFORMANCE.md, "Issue #18, eighth pass"). History keeps
		// the state of every workflow it touched for an hour, up to
		// 128,000 of them: sized for a history host of its own, not for a
		// process that shares its heap with the desk under a soft memory
		// limit (embeddedMemoryLimit in cmd/brukerhjelp). With every case
		// of a busy day in it, the heap neared the limit, the collector
		// ran nearly all the time, and a create cost three times the CPU
		// after 4,000 cases as after 1,000. A workflow that is not in the
		// cache has its state read from the file again on its next step
		// (one row).
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): HistoryCacheSize,
	}
}

// HistoryCacheSize is how many workflows' states the embedded history
// service keeps in memory between their steps.
const HistoryCacheSize = 2048

// forceRefreshKey makes every read of the search attributes (by every
// start, upsert, visibility write and workflow task handed out) read the
// cluster metadata and the namespace from the database first, so that a
// search attribute registered while the server runs is usable at once.
// Without it each service keeps the types it read for a minute
// (cacheRefreshInterval in go.temporal.io/server/common/searchattribute)
// and a namespace's names for NamespaceCacheRefreshInterval. The Temporal
// CLI's dev server forces it for good (and so did we); that cost nine
// reads of the one SQLite connection per case step (docs/PERFORMANCE.md,
// "Claim and resolve").
var forceRefreshKey = dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key()

// searchAttributesCacheTTL is how long a Temporal service may go on using
// the search attributes it read (60 s in v1.32.1; a namespace's names 1 s,
// NamespaceCacheRefreshInterval), with a margin.
const searchAttributesCacheTTL = 65 * time.Second

// startupClient is the dynamic config: the static keys, and
// forceRefreshKey on while a service may not know a search attribute
// Start registers. Start turns it off once they are registered: at once
// when none was missing (a new namespace is created with them; an old one
// has them), else searchAttributesCacheTTL after ensureSearchAttributes
// added them to an existing namespace (an upgrade that brings a new one),
// when every cache filled before has expired. A search attribute added by
// hand later (`temporal operator search-attribute create`) is usable
// within a minute, as on a cluster.
type startupClient struct {
	static       dynamicconfig.StaticClient
	forceRefresh atomic.Bool
}

func newStartupClient(static dynamicconfig.StaticClient) *startupClient {
	c := &startupClient{static: static}
	c.forceRefresh.Store(true)
	return c
}

func (c *startupClient) GetValue(key dynamicconfig.Key) []dynamicconfig.ConstrainedValue {
	if _, set := c.static[key]; key != forceRefreshKey || set { // set: a test's override
		return c.static.GetValue(key)
	}
	return []dynamicconfig.ConstrainedValue{{Value: c.forceRefresh.Load()}}
}

// dynamicOverrides replaces keys of dynamicConfig; tests only.
var dynamicOverrides map[string]any

func withOverrides(c dynamicconfig.StaticClient) dynamicconfig.StaticClient {
	for k, v := range dynamicOverrides {
		c[dynamicconfig.MakeKey(k)] = v
	}
	return c
}

// prepareDatabase returns the SQL config for opts.DatabaseFile, creating
// the schema in a new file and the namespace if it is missing.
func prepareDatabase(opts Options) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	if opts.DatabaseFile == "" {
		// The plugin creates the schema itself for an in-memory database.
		// The name must be unique per server: the plugin pools connections
		// by DSN for the life of the process.
		conf.DatabaseName = "devserver-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		conf.MaxConns = 1
		conf.MaxIdleConns = 1
	} else {
		path, err := filepath.Abs(opts.DatabaseFile)
		if err != nil {
			return nil, fmt.Errorf("temporal database %q: %w", opts.DatabaseFile, err)
		}
		if _, err := os.Stat(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("temporal database directory for %s: %w", path, err)
		}
		// The plugin pastes the name into "file:<name>?..." unescaped.
		conf.DatabaseName = uriPath(path)
		// Keys other than SQLite URI parameters become PRAGMAs: the plugin
		// turns "journal_mode": "wal" into _pragma=journal_mode=wal (and
		// only that exact key counts as WAL for its MaxConns check).
		// "_journal_mode" would become an unknown PRAGMA, which SQLite
		// silently ignores. WAL: a commit is one append, readers (an
		// inspecting sqlite3 shell, a backup) do not block the server, and
		// a kill -9 is recovered on the next open.
		conf.ConnectAttributes = map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			// NORMAL with WAL never corrupts and loses nothing on a process
			// crash (kill -9); only a power cut can lose the last commits.
			"synchronous":  "NORMAL",
			"busy_timeout": strconv.Itoa(busyTimeoutMillis),
			// A deleted history (retention, an erasure) is zeroed in the
			// file, not left in free pages (docs/PRIVACY.md).
			"secure_delete": "on",
			// Statement journals (a statement's undo pages within a
			// transaction) in memory, not in a temp file opened and
			// closed for each statement (docs/PERFORMANCE.md).
			"temp_store": "memory",
		}
		conf.MaxConns = maxConns
		conf.MaxIdleConns = maxConns

		state, err := schemaState(path)
		if err != nil {
			return nil, err
		}
		switch state {
		case schemaMissing:
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("create temporal schema in %s: %w", path, err)
			}
		case schemaPartial:
			return nil, fmt.Errorf("temporal database %s has an incomplete schema (was its first start interrupted?); delete it to start afresh", path)
		}
		if sparseIndexes {
			if err := sparseVisibilityIndexes(path); err != nil {
				return nil, err
			}
		}
	}

	// A new namespace is created with its search attributes (each name
	// mapped to a preallocated column), so every service knows them from
	// its first read: none has to be added while the server runs, and
	// nothing needs the forced refresh (startupClient).
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("namespace %q: %w", opts.Namespace, err)
	}
	ns.Detail.Config.Retention = timestamp.DurationPtr(namespaceRetention)
	// A no-op when the namespace exists, so a restart keeps its ID and data.
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("create namespace %q: %w", opts.Namespace, err)
	}
	return conf, nil
}

// uriPath escapes what would end the path part of a SQLite "file:" URI
// early: a data dir named "cases#2" must not silently become "cases".
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
}

type schemaStatus int

const (
	schemaMissing schemaStatus = iota
	schemaPartial
	schemaComplete
)

// schemaState looks into the file with a plain connection of its own, so
// the Temporal plugin's process-wide connection pool stays out of it.
func schemaState(path string) (schemaStatus, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return schemaMissing, nil
	} else if err != nil {
		return 0, fmt.Errorf("temporal database %s: %w", path, err)
	}
	db, err := openPlain(path)
	if err != nil {
		return 0, err
	}
	defer func() { _ = db.Close() }()
	var objects, last int
	err = db.QueryRow(`SELECT count(*), count(CASE WHEN name = ? THEN 1 END) FROM sqlite_master`, lastSchemaObject).
		Scan(&objects, &last)
	if err != nil {
		return 0, fmt.Errorf("read schema of temporal database %s: %w", path, err)
	}
	switch {
	case objects == 0:
		return schemaMissing, nil
	case last == 0:
		return schemaPartial, nil
	default:
		return schemaComplete, nil
	}
}

// openPlain opens the Temporal database with a plain connection pool of
// its own, outside the plugin's process-wide one, for looking into or
// preparing the file before the server starts. The "sqlite" driver is
// modernc.org/sqlite, registered by the plugin.
func openPlain(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+uriPath(path)+"?mode=rw&_pragma=busy_timeout%3D"+strconv.Itoa(busyTimeoutMillis))
	if err != nil {
		return nil, fmt.Errorf("open temporal database %s: %w", path, err)
	}
	return db, nil
}

// sparseIndexes is off only in BenchmarkVisibilityIndexes, which measures
// what the partial indexes save.
var sparseIndexes = true

// sparseVisibilityIndexes makes partial (WHERE column IS NOT NULL) each
// index of Temporal's visibility table whose column is a search
// attribute's: the system attributes (BatcherUser, TemporalScheduledById …)
// and the preallocated columns that custom attributes are mapped to
// (Keyword01 … Keyword10, Int01 …, Bool01 …). Temporal's SQLite schema has
// 58 indexes on the table, 44 of them on such columns, and almost all of
// those columns are NULL in every row here: a workflow's visibility row is
// written again at its start, at every search attribute upsert and at its
// close, and every write put a NULL entry into each of the 44 (the
// visibility writes were 11% of the CPU of `brukerhjelp bench`,
// docs/PERFORMANCE.md). A partial index keeps
// only the rows that have a value, and answers the same queries: SQLite
// uses it for any comparison on the column (CaseReference = "BH-…" is
// Keyword0n = ?), which implies the column is not NULL. The names stay
// Temporal's. Done once per file (an index that is partial already is left
// alone), each index in its own transaction; on a large existing file
// each index is built anew from the table once.
func sparseVisibilityIndexes(path string) error {
	db, err := openPlain(path)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	rows, err := db.Query(`SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return fmt.Errorf("read visibility indexes of %s: %w", path, err)
	}
	type index struct{ name, sql, column string }
	var todo []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.sql); err != nil {
			rows.Close()
			return fmt.Errorf("read visibility indexes of %s: %w", path, err)
		}
		if ix.column = attributeColumn(ix.sql); ix.column != "" {
			todo = append(todo, ix)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read visibility indexes of %s: %w", path, err)
	}
	for _, ix := range todo {
		tx, err := db.Begin()
		if err != nil {
			return fmt.Errorf("temporal database %s: %w", path, err)
		}
		_, err = tx.Exec(`DROP INDEX "` + ix.name + `"`)
		if err == nil {
			_, err = tx.Exec(ix.sql + ` WHERE "` + ix.column + `" IS NOT NULL`)
		}
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
		if err != nil {
			return fmt.Errorf("temporal database %s: make index %s partial: %w", path, ix.name, err)
		}
	}
	return nil
}

// attributeColumn is the search attribute column an index of the
// visibility table is on, or "" when the index is partial already or on
// one of Temporal's own columns. Its statement reads
// CREATE INDEX name ON executions_visibility (namespace_id, Column, …);
// Temporal's own columns are snake_case, search attributes' CamelCase.
func attributeColumn(stmt string) string {
	if strings.Contains(strings.ToUpper(stmt), " WHERE ") {
		return ""
	}
	_, cols, ok := strings.Cut(stmt, "(")
	if !ok {
		return ""
	}
	parts := strings.SplitN(cols, ",", 3)
	if len(parts) < 3 || strings.TrimSpace(parts[0]) != "namespace_id" {
		return ""
	}
	col := strings.TrimSpace(parts[1])
	if col == "" || strings.ToLower(col) == col {
		return ""
	}
	for _, r := range col {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return ""
		}
	}
	return col
}

// freePorts asks the kernel for n distinct free loopback ports, none of
// them in exclude. All listeners stay open until the end so the ports
// differ; they are closed again for Temporal to bind, which leaves a small
// race with other processes.
func freePorts(n int, exclude ...int) ([]int, error) {
	ports := make([]int, 0, n)
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range listeners {
			_ = ln.Close()
		}
	}()
	for len(ports) < n {
		if len(listeners) > n+len(exclude) {
			return nil, errors.New("kernel keeps handing out excluded ports")
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, ln)
		if port := ln.Addr().(*net.TCPAddr).Port; !slices.Contains(exclude, port) {
			ports = append(ports, port)
		}
	}
	return ports, nil
}
