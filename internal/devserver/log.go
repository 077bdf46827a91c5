package devserver

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// temporalLogger adapts Temporal's tag-based log.Logger to slog. Temporal is
// chatty at Info (every service start, shard movement, namespace refresh), so
// records below level are dropped before their tags are even rendered.
type temporalLogger struct {
	logger *slog.Logger
	level  slog.Level
	// stopping is set by Server.Stop. From then on nothing passes: while
	// the services shut down one after another, the survivors log every
	// canceled poll and refused connection, some at Error, and the system
	// workers Temporal never stops (see Server.Stop) go on retrying and
	// logging for the life of the process. None of it is news.
	stopping *atomic.Bool
	// bound are the tags of With, rendered only into a record that is
	// logged.
	bound []tag.Tag
}

var (
	_ log.Logger     = temporalLogger{}
	_ log.WithLogger = temporalLogger{}
)

func newTemporalLogger(logger *slog.Logger, level slog.Level, stopping *atomic.Bool) temporalLogger {
	return temporalLogger{logger: logger, level: level, stopping: stopping}
}

// noise are messages Temporal logs at Warn on every start of a dev server
// for a choice we made on purpose.
var noise = []string{
	// We open no HTTP API port (nothing of ours uses it; see newTemporal).
	"HTTP API port has not been set",
}

func (l temporalLogger) enabled(level slog.Level, msg string) bool {
	if level < l.level || l.stopping.Load() {
		return false
	}
	if level < slog.LevelError {
		for _, n := range noise {
			if strings.HasPrefix(msg, n) {
				return false
			}
		}
	}
	return l.logger.Enabled(context.Background(), level)
}

func (l temporalLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	if !l.enabled(level, msg) {
		return
	}
	l.logger.LogAttrs(context.Background(), level, msg, l.attrs(tags)...)
}

// attrs are the bound tags and then tags, as slog attributes.
func (l temporalLogger) attrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(l.bound)+len(tags))
	for _, ts := range [][]tag.Tag{l.bound, tags} {
		for _, t := range ts {
			if t == nil {
				continue
			}
			attrs = append(attrs, slog.Any(t.Key(), t.Value()))
		}
	}
	return attrs
}

func (l temporalLogger) Debug(msg string, tags ...tag.Tag) { l.log(slog.LevelDebug, msg, tags) }
func (l temporalLogger) Info(msg string, tags ...tag.Tag)  { l.log(slog.LevelInfo, msg, tags) }
func (l temporalLogger) Warn(msg string, tags ...tag.Tag)  { l.log(slog.LevelWarn, msg, tags) }
func (l temporalLogger) Error(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }

// DPanic is a development-mode panic in zap; in production zap only logs it,
// and an embedded server is production from Temporal's point of view.
func (l temporalLogger) DPanic(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }

// Panic logs regardless of the level filter (the process is about to see a
// panic, whoever reads the log needs the reason) and then panics like zap.
func (l temporalLogger) Panic(msg string, tags ...tag.Tag) {
	l.logger.LogAttrs(context.Background(), slog.LevelError, msg, l.attrs(tags)...)
	panic(msg)
}

// Fatal keeps zap's contract: Temporal calls it when it cannot go on (e.g. a
// service cannot bind its port after startup) and its callers do not expect
// to return. The process exits; SQLite's WAL makes that as safe as kill -9.
func (l temporalLogger) Fatal(msg string, tags ...tag.Tag) {
	l.logger.LogAttrs(context.Background(), slog.LevelError, "temporal fatal: "+msg, l.attrs(tags)...)
	os.Exit(1)
}

// With binds tags to the logger it returns. Temporal calls it for nearly
// every request and task it handles (a logger with the workflow's IDs, the
// shard, the queue), and nearly none of those loggers ever passes a record
// at our level: the tags are kept as they are and rendered only when a
// record is logged. (Rendering them at once, with slog.Logger.With, was
// 1.5% of the CPU of `brukerhjelp bench`, docs/PERFORMANCE.md.)
func (l temporalLogger) With(tags ...tag.Tag) log.Logger {
	if len(tags) == 0 {
		return l
	}
	bound := make([]tag.Tag, 0, len(l.bound)+len(tags))
	l.bound = append(append(bound, l.bound...), tags...)
	return l
}

// lineLogger turns what a third-party library writes to an io.Writer (the
// UI's echo logger) into slog records, so nothing bypasses opts.Logger.
type lineLogger struct {
	logger *slog.Logger
	level  slog.Level
}

func (w lineLogger) Write(p []byte) (int, error) {
	if msg := string(bytes.TrimSpace(p)); msg != "" {
		w.logger.Log(context.Background(), w.level, msg)
	}
	return len(p), nil
}
