// Package workflows holds the durable processes of Brukerhjelp: one
// workflow per case kind. Workflows are deterministic: they decide with the
// domain (internal/helpdesk), keep time with workflow.Now and timers, and
// leave every side effect to activities.
package workflows
