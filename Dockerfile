# syntax=docker/dockerfile:1
# The production image of Brukerhjelp: one static binary that runs as
# `brukerhjelp api` or `brukerhjelp worker` (docs/OPERATIONS.md).
#   docker build -t brukerhjelp:local .

# Build stage: the Go version go.mod names, no cgo (the SQLite driver is
# pure Go), paths and symbols stripped.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/brukerhjelp ./cmd/brukerhjelp

# Final stage: distroless static holds CA certificates, /etc/passwd with the
# nonroot user and nothing else (no shell); the binary carries its own time
# zone data (time/tzdata). The healthchecks use the binary's own
# `brukerhjelp healthcheck`.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/brukerhjelp /brukerhjelp
USER nonroot:nonroot
ENTRYPOINT ["/brukerhjelp"]
