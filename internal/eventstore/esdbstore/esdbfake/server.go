// Package esdbfake is a model of one EventStoreDB node's gRPC API, for
// testing the esdbstore adapter where no server can run (CI, the build
// machines). It serves what EventStore-Client-Go v4.2.0 calls — append,
// stream and $all reads, $all subscriptions with server-side filters,
// soft deletes, server features — and follows the server's rules where the
// adapter depends on them, as read from KurrentDB's source:
//
//   - optimistic concurrency by expected revision, and an append at an
//     older revision whose event IDs are the ones stored there succeeds
//     without writing (idempotency);
//   - an append at the current revision is written whatever its IDs;
//   - a soft delete keeps the revision: the stream reads as not found,
//     and an append with "no stream" lands after the old last revision;
//   - appends over 1 MiB (protobuf size of the events) are refused with
//     InvalidArgument;
//   - stream reads carry the events' $all positions (22.6 and later) and
//     catch-up subscriptions say when they are caught up (23.10 and later)
//     — both can be turned back to older servers' behaviour.
//
// It records the metadata of every call and can be stopped and started
// again on the same address, keeping its data, to play an outage. It
// proves what the adapter sends and how it copes; only a real server
// proves how a server behaves (docs/RELIABILITY.md).
package esdbfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// MaxAppendSize is the server's default limit on one append.
const MaxAppendSize = 1 << 20

// Call is one gRPC call the server received.
type Call struct {
	Method   string // e.g. /event_store.client.streams.Streams/Append
	Metadata metadata.MD
}

// AppendHook runs in place of an append's commit: it calls commit to
// write the events (or does not), may wait before or after it, and
// returns an error to fail the call — after commit that is a reply lost
// although the write happened.
type AppendHook func(ctx context.Context, stream string, commit func()) error

// Server is the model node. Its methods are safe for concurrent use.
type Server struct {
	mu                sync.Mutex
	version           string
	caughtUp          bool
	noStreamPositions bool
	all               []*record
	streams           map[string]*stream
	nextPos           uint64
	changed           chan struct{}
	calls             []Call
	reads             []*api.ReadReq
	sent              int
	hook              AppendHook

	addr string
	gs   *grpc.Server
}

type record struct {
	stream      string
	revision    uint64
	id          uuid.UUID
	typ         string
	contentType string
	data, meta  []byte
	pos         uint64
	created     int64 // .NET ticks since the Unix epoch, as the server sends them
}

type stream struct {
	events []*record // revision i at index i
	// truncateBefore hides the revisions below it (soft delete, $tb).
	truncateBefore uint64
}

func (st *stream) last() int64 { return int64(len(st.events)) - 1 }

// visible is the stream's readable part; empty when deleted.
func (st *stream) visible() []*record {
	if st == nil || st.truncateBefore >= uint64(len(st.events)) {
		return nil
	}
	return st.events[st.truncateBefore:]
}

// New returns a stopped server that says it is version 24.10.0. Like a
// real node it holds a few system events before any of the caller's.
func New() *Server {
	s := &Server{version: "24.10.0", caughtUp: true, streams: map[string]*stream{}, nextPos: 1000, changed: make(chan struct{})}
	for _, st := range []string{"$settings", "$users", "$scavenges"} {
		s.write(st, []*api.AppendReq_ProposedMessage{proposed(uuid.New(), "$system", []byte(`{}`), nil)})
	}
	return s
}

// SetVersion sets the version the server reports; "" reports none, as
// servers before 21.10 (no server features service).
func (s *Server) SetVersion(v string) { s.mu.Lock(); s.version = v; s.mu.Unlock() }

// SetCaughtUp chooses whether catch-up subscriptions say "caught up"
// (23.10 and later) or, as before, send a checkpoint when they reach the
// end of $all.
func (s *Server) SetCaughtUp(on bool) { s.mu.Lock(); s.caughtUp = on; s.mu.Unlock() }

// SetNoStreamPositions makes stream reads carry no $all positions
// (commit and prepare MaxUint64), as servers before 22.6 do.
func (s *Server) SetNoStreamPositions(on bool) { s.mu.Lock(); s.noStreamPositions = on; s.mu.Unlock() }

// SetAppendHook installs h for every later append; nil removes it.
func (s *Server) SetAppendHook(h AppendHook) { s.mu.Lock(); s.hook = h; s.mu.Unlock() }

// Calls returns the calls received so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Reads returns the read requests received so far (stream and $all reads
// and subscriptions), oldest first.
func (s *Server) Reads() []*api.ReadReq {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*api.ReadReq(nil), s.reads...)
}

// Sent is how many events the server has sent in answers to reads and
// subscriptions.
func (s *Server) Sent() int { s.mu.Lock(); defer s.mu.Unlock(); return s.sent }

// Start listens on addr ("127.0.0.1:0" picks a port) and serves.
func (s *Server) Start(addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	gs := grpc.NewServer(
		grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			s.record(ctx, info.FullMethod)
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			s.record(ss.Context(), info.FullMethod)
			return h(srv, ss)
		}),
	)
	api.RegisterStreamsServer(gs, streamsService{s: s})
	serverfeatures.RegisterServerFeaturesServer(gs, featuresService{s: s})
	s.mu.Lock()
	s.addr, s.gs = lis.Addr().String(), gs
	s.mu.Unlock()
	go gs.Serve(lis)
	return nil
}

// Stop closes the listener and every connection at once; the data stays
// for a Start on the same address.
func (s *Server) Stop() {
	s.mu.Lock()
	gs := s.gs
	s.gs = nil
	s.mu.Unlock()
	if gs != nil {
		gs.Stop()
	}
}

// Addr is the address the server last listened on.
func (s *Server) Addr() string { s.mu.Lock(); defer s.mu.Unlock(); return s.addr }

// URL is the connection string of the server, without TLS.
func (s *Server) URL() string { return "esdb://" + s.Addr() + "?tls=false" }

func (s *Server) record(ctx context.Context, method string) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, Metadata: md.Copy()})
	s.mu.Unlock()
}

func proposed(id uuid.UUID, typ string, data, meta []byte) *api.AppendReq_ProposedMessage {
	most, least := splitUUID(id)
	return &api.AppendReq_ProposedMessage{
		Id:             &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{MostSignificantBits: most, LeastSignificantBits: least}}},
		Metadata:       map[string]string{"type": typ, "content-type": "application/json"},
		Data:           data,
		CustomMetadata: meta,
	}
}

func splitUUID(id uuid.UUID) (int64, int64) {
	var most, least uint64
	for i := range 8 {
		most = most<<8 | uint64(id[i])
		least = least<<8 | uint64(id[8+i])
	}
	return int64(most), int64(least)
}

func joinUUID(u *shared.UUID) (uuid.UUID, error) {
	if st := u.GetStructured(); st != nil {
		var id uuid.UUID
		most, least := uint64(st.MostSignificantBits), uint64(st.LeastSignificantBits)
		for i := 7; i >= 0; i-- {
			id[i], id[8+i] = byte(most), byte(least)
			most, least = most>>8, least>>8
		}
		return id, nil
	}
	return uuid.Parse(u.GetString_())
}

// write appends events to the stream under s.mu's lock (held by the
// caller, or none during New) and wakes subscriptions.
func (s *Server) write(name string, events []*api.AppendReq_ProposedMessage) *record {
	st := s.streams[name]
	if st == nil {
		st = &stream{}
		s.streams[name] = st
	}
	var last *record
	now := time.Now().UnixNano() / 100
	for _, p := range events {
		id, _ := joinUUID(p.Id)
		r := &record{stream: name, revision: uint64(len(st.events)), id: id, typ: p.Metadata["type"], contentType: p.Metadata["content-type"],
			data: p.Data, meta: p.CustomMetadata, pos: s.nextPos, created: now}
		// Positions are byte offsets in the log: opaque, increasing, with gaps.
		s.nextPos += 128 + uint64(len(p.Data)+len(p.CustomMetadata))
		st.events = append(st.events, r)
		s.all = append(s.all, r)
		last = r
	}
	if strings.HasPrefix(name, "$$") {
		// Stream metadata: the model honours $tb, which is all a soft
		// delete writes.
		var m struct {
			TB *uint64 `json:"$tb"`
		}
		if json.Unmarshal(last.data, &m) == nil && m.TB != nil {
			target := s.streams[strings.TrimPrefix(name, "$$")]
			if target == nil {
				target = &stream{}
				s.streams[strings.TrimPrefix(name, "$$")] = target
			}
			target.truncateBefore = *m.TB
		}
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return last
}

type featuresService struct {
	serverfeatures.UnimplementedServerFeaturesServer
	s *Server
}

func (f featuresService) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	f.s.mu.Lock()
	v := f.s.version
	f.s.mu.Unlock()
	if v == "" {
		return nil, status.Error(codes.Unimplemented, "no server features before 21.10")
	}
	return &serverfeatures.SupportedMethods{EventStoreServerVersion: v, Methods: []*serverfeatures.SupportedMethod{
		{ServiceName: "event_store.client.streams.streams", MethodName: "read"},
		{ServiceName: "event_store.client.streams.streams", MethodName: "append"},
		{ServiceName: "event_store.client.streams.streams", MethodName: "delete"},
	}}, nil
}

type streamsService struct {
	api.UnimplementedStreamsServer
	s *Server
}

func (svc streamsService) Append(as api.Streams_AppendServer) error {
	s := svc.s
	first, err := as.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "append: options first")
	}
	name := string(opts.GetStreamIdentifier().GetStreamName())
	var events []*api.AppendReq_ProposedMessage
	size := 0
	for {
		m, err := as.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		p := m.GetProposedMessage()
		if p == nil {
			return status.Error(codes.InvalidArgument, "append: proposed message expected")
		}
		size += proto.Size(p)
		events = append(events, p)
	}
	if size > MaxAppendSize {
		return status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", MaxAppendSize)
	}
	var resp *api.AppendResp
	commit := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		resp = s.appendLocked(name, opts, events)
	}
	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		if err := hook(as.Context(), name, commit); err != nil {
			if _, ok := status.FromError(err); ok {
				return err
			}
			return status.Error(codes.Unavailable, err.Error())
		}
	}
	if resp == nil {
		commit()
	}
	return as.SendAndClose(resp)
}

// appendLocked decides an append as the server does.
func (s *Server) appendLocked(name string, opts *api.AppendReq_Options, events []*api.AppendReq_ProposedMessage) *api.AppendResp {
	st := s.streams[name]
	last := int64(-1)
	if st != nil {
		last = st.last()
	}
	deleted := st != nil && len(st.visible()) == 0
	wrong := func() *api.AppendResp {
		w := &api.AppendResp_WrongExpectedVersion{}
		if last < 0 {
			w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		} else {
			w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(last)}
		}
		return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
	}
	// from is the revision the events would get if this is a retry.
	var from int64
	switch e := opts.ExpectedStreamRevision.(type) {
	case *api.AppendReq_Options_Any:
		return s.success(s.write(name, events))
	case *api.AppendReq_Options_NoStream:
		if last < 0 || deleted {
			return s.success(s.write(name, events))
		}
		from = 0
	case *api.AppendReq_Options_StreamExists:
		if last >= 0 && !deleted {
			return s.success(s.write(name, events))
		}
		return wrong()
	case *api.AppendReq_Options_Revision:
		if int64(e.Revision) == last {
			// At the head nothing is checked but the revision.
			return s.success(s.write(name, events))
		}
		if int64(e.Revision) > last {
			return wrong()
		}
		from = int64(e.Revision) + 1
	default:
		return wrong()
	}
	// Behind the head: the same IDs where they would have gone is a retry.
	if from+int64(len(events))-1 > last {
		return wrong()
	}
	for i, p := range events {
		id, _ := joinUUID(p.Id)
		if st.events[from+int64(i)].id != id {
			return wrong()
		}
	}
	return s.success(st.events[from+int64(len(events))-1])
}

func (s *Server) success(r *record) *api.AppendResp {
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
		CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: r.revision},
		PositionOption:        &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{CommitPosition: r.pos, PreparePosition: r.pos}},
	}}}
}

func (svc streamsService) Delete(_ context.Context, req *api.DeleteReq) (*api.DeleteResp, error) {
	s := svc.s
	name := string(req.GetOptions().GetStreamIdentifier().GetStreamName())
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[name]
	if st == nil || len(st.visible()) == 0 {
		return nil, status.Errorf(codes.NotFound, "stream %q not found", name)
	}
	// A soft delete is stream metadata: truncate before the next revision.
	tb, _ := json.Marshal(map[string]uint64{"$tb": uint64(st.last() + 1)})
	r := s.write("$$"+name, []*api.AppendReq_ProposedMessage{proposed(uuid.New(), "$metadata", tb, nil)})
	return &api.DeleteResp{PositionOption: &api.DeleteResp_Position_{Position: &api.DeleteResp_Position{CommitPosition: r.pos, PreparePosition: r.pos}}}, nil
}

func (svc streamsService) Read(req *api.ReadReq, rs api.Streams_ReadServer) error {
	s := svc.s
	s.mu.Lock()
	s.reads = append(s.reads, req)
	s.mu.Unlock()
	o := req.GetOptions()
	if o.GetSubscription() != nil {
		if o.GetAll() == nil {
			return status.Error(codes.Unimplemented, "the model serves $all subscriptions only")
		}
		return s.subscribe(rs, o)
	}
	if so := o.GetStream(); so != nil {
		return s.readStream(rs, o, so)
	}
	return s.readAll(rs, o)
}

// event is r as a read answer; s.mu is held.
func (s *Server) event(r *record, withAll bool) *api.ReadResp {
	s.sent++
	commit, prepare := r.pos, r.pos
	if !withAll && s.noStreamPositions {
		commit, prepare = math.MaxUint64, math.MaxUint64
	}
	most, least := splitUUID(r.id)
	ev := &api.ReadResp_ReadEvent{Event: &api.ReadResp_ReadEvent_RecordedEvent{
		Id:               &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{MostSignificantBits: most, LeastSignificantBits: least}}},
		StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
		StreamRevision:   r.revision,
		PreparePosition:  prepare,
		CommitPosition:   commit,
		Metadata:         map[string]string{"type": r.typ, "content-type": r.contentType, "created": fmt.Sprint(r.created)},
		CustomMetadata:   r.meta,
		Data:             r.data,
	}}
	if withAll {
		ev.Position = &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.pos}
	} else {
		ev.Position = &api.ReadResp_ReadEvent_NoPosition{NoPosition: &shared.Empty{}}
	}
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: ev}}
}

func (s *Server) readStream(rs api.Streams_ReadServer, o *api.ReadReq_Options, so *api.ReadReq_Options_StreamOptions) error {
	name := string(so.GetStreamIdentifier().GetStreamName())
	s.mu.Lock()
	vis := append([]*record(nil), s.streams[name].visible()...)
	s.mu.Unlock()
	if len(vis) == 0 {
		return rs.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{StreamIdentifier: so.GetStreamIdentifier()}}})
	}
	first := vis[0].revision
	var out []*record
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	switch so.RevisionOption.(type) {
	case *api.ReadReq_Options_StreamOptions_Start:
		out = vis
	case *api.ReadReq_Options_StreamOptions_End:
		if !backwards {
			out = nil
		} else {
			out = vis
		}
	case *api.ReadReq_Options_StreamOptions_Revision:
		r := so.GetRevision()
		switch {
		case !backwards && r < first:
			out = vis
		case !backwards && r-first < uint64(len(vis)):
			out = vis[r-first:]
		case backwards && r < first:
			out = nil
		case backwards && r-first < uint64(len(vis)):
			out = vis[:r-first+1]
		case backwards:
			out = vis
		}
	}
	if backwards {
		rev := make([]*record, len(out))
		for i, r := range out {
			rev[len(out)-1-i] = r
		}
		out = rev
	}
	return s.send(rs, out, o.GetCount(), false)
}

func (s *Server) send(rs api.Streams_ReadServer, out []*record, count uint64, withAll bool) error {
	for i, r := range out {
		if uint64(i) >= count {
			break
		}
		s.mu.Lock()
		msg := s.event(r, withAll)
		s.mu.Unlock()
		if err := rs.Send(msg); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) readAll(rs api.Streams_ReadServer, o *api.ReadReq_Options) error {
	ao := o.GetAll()
	s.mu.Lock()
	all := append([]*record(nil), s.all...)
	s.mu.Unlock()
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	var out []*record
	switch ao.AllOption.(type) {
	case *api.ReadReq_Options_AllOptions_Start:
		if !backwards {
			out = all
		}
	case *api.ReadReq_Options_AllOptions_End:
		if backwards {
			out = all
		}
	case *api.ReadReq_Options_AllOptions_Position:
		p := ao.GetPosition().GetCommitPosition()
		for i, r := range all {
			if !backwards && r.pos >= p { // forward reads include the start
				out = all[i:]
				break
			}
			if backwards && r.pos < p {
				out = all[:i+1]
			}
		}
	}
	if backwards {
		rev := make([]*record, len(out))
		for i, r := range out {
			rev[len(out)-1-i] = r
		}
		out = rev
	}
	return s.send(rs, out, o.GetCount(), true)
}

// filter is a subscription's server-side filter.
type filter struct {
	onStream bool
	prefixes []string
	re       *regexp.Regexp
	window   uint64 // events scanned between checkpoints
}

func newFilter(o *api.ReadReq_Options) (*filter, error) {
	fo := o.GetFilter()
	if fo == nil {
		return nil, nil
	}
	f := &filter{window: 32}
	expr := fo.GetEventType()
	if se := fo.GetStreamIdentifier(); se != nil {
		f.onStream, expr = true, se
	}
	f.prefixes = expr.GetPrefix()
	if expr.GetRegex() != "" {
		re, err := regexp.Compile(expr.GetRegex())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "filter regex: %v", err)
		}
		f.re = re
	}
	if m := fo.GetMax(); m > 0 {
		f.window = uint64(m)
	}
	f.window *= uint64(max(fo.GetCheckpointIntervalMultiplier(), 1))
	return f, nil
}

func (f *filter) match(r *record) bool {
	if f == nil {
		return true
	}
	v := r.typ
	if f.onStream {
		v = r.stream
	}
	if f.re != nil {
		return f.re.MatchString(v)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

func (s *Server) subscribe(rs api.Streams_ReadServer, o *api.ReadReq_Options) error {
	f, err := newFilter(o)
	if err != nil {
		return err
	}
	ctx := rs.Context()
	if err := rs.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{SubscriptionId: uuid.NewString()}}}); err != nil {
		return err
	}
	s.mu.Lock()
	next := 0 // index into s.all of the next record to look at
	switch ao := o.GetAll(); ao.AllOption.(type) {
	case *api.ReadReq_Options_AllOptions_End:
		next = len(s.all)
	case *api.ReadReq_Options_AllOptions_Position:
		// A subscription starts after the given position.
		p := ao.GetPosition().GetCommitPosition()
		for next < len(s.all) && s.all[next].pos <= p {
			next++
		}
	}
	s.mu.Unlock()
	var scanned uint64
	live := false
	for {
		s.mu.Lock()
		batch := append([]*record(nil), s.all[next:]...)
		changed, caughtUp := s.changed, s.caughtUp
		msgs := make([]*api.ReadResp, 0, len(batch))
		for _, r := range batch {
			scanned++
			if f.match(r) {
				msgs = append(msgs, s.event(r, true))
			} else if f != nil && scanned%f.window == 0 {
				msgs = append(msgs, checkpoint(r.pos))
			}
		}
		next += len(batch)
		if !live {
			live = true
			switch {
			case caughtUp:
				msgs = append(msgs, &api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}})
			case f != nil && next > 0:
				msgs = append(msgs, checkpoint(s.all[next-1].pos))
			}
		}
		s.mu.Unlock()
		for _, m := range msgs {
			if err := rs.Send(m); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-changed:
		}
	}
}

func checkpoint(pos uint64) *api.ReadResp {
	return &api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{CommitPosition: pos, PreparePosition: pos}}}
}
