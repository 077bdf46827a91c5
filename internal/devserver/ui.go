package devserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/temporalio/ui-server/v2/server/api"
	"github.com/temporalio/ui-server/v2/server/auth"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/cors"
	"github.com/temporalio/ui-server/v2/server/csrf"
	"github.com/temporalio/ui-server/v2/server/headers"
	"github.com/temporalio/ui-server/v2/server/route"
	"github.com/temporalio/ui-server/v2/server/rpc"
	"github.com/temporalio/ui-server/v2/ui"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
)

// uiServer is the Temporal Web UI. It is assembled here from ui-server's
// exported pieces, the same way ui-server's own server.NewServer (v2.55.0)
// does it, instead of calling that constructor, because:
//   - server.Start calls echo's Logger.Fatal (os.Exit) when it cannot bind,
//     which would take the whole help desk down with it; here the listener is
//     bound by us and a failure is just an error;
//   - server.NewServer dials a gRPC connection it never closes; here we own
//     it and Stop closes it, so a stopped dev server leaks no goroutines.
type uiServer struct {
	http *http.Server
	conn *grpc.ClientConn
	addr string
	done chan struct{}
}

// CodecPath is where the UI's own address serves the payload codec.
const CodecPath = "/codec"

func startUI(ln net.Listener, frontendAddr, namespace string, codec http.Handler, logger *slog.Logger) (*uiServer, error) {
	addr := ln.Addr().(*net.TCPAddr)
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: frontendAddr,
		Host:                addr.IP.String(),
		Port:                addr.Port,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		// Plain HTTP on localhost: secure cookies would never be sent back.
		CORS: uiconfig.CORS{CookieInsecure: true},
		// The dev machine may be offline; the UI must not phone GitHub or
		// temporal.io for news and release checks.
		DisableNewsFetch:   true,
		NotifyOnNewVersion: false,
		HideLogs:           true,
	}
	if codec != nil {
		// Same origin as the UI: the browser needs no CORS and sends no
		// credentials anywhere else.
		cfg.Codec = uiconfig.Codec{Endpoint: "http://" + ln.Addr().String() + CodecPath}
	}
	// RefreshInterval is zero, so this starts no refresh goroutine.
	cfgProvider, err := uiconfig.NewConfigProviderWithRefresh(cfg)
	if err != nil {
		return nil, fmt.Errorf("ui config: %w", err)
	}
	conn, err := rpc.Dial(frontendAddr, nil)
	if err != nil {
		return nil, fmt.Errorf("ui grpc connection to %s: %w", frontendAddr, err)
	}
	apiMiddleware := []api.Middleware{
		headers.WithForwardHeaders([]string{auth.AuthorizationExtrasHeader, "Caller-Type"}),
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// echo logs recovered panics and the like through its own logger, which
	// writes to stdout by default.
	e.Logger.SetOutput(lineLogger{logger: logger, level: slog.LevelWarn})
	e.Use(middleware.Recover())
	e.Use(middleware.Gzip())
	e.Use(cors.CORSMiddleware(cors.CORSConfig{
		AllowHeaders: []string{
			echo.HeaderOrigin, echo.HeaderContentType, echo.HeaderAccept,
			echo.HeaderXCSRFToken, echo.HeaderAuthorization, auth.AuthorizationExtrasHeader,
			"Caller-Type",
		},
		AllowCredentials: true,
		ConfigProvider:   cfgProvider,
	}))
	e.Use(middleware.Secure())
	const csrfCookieSecure = false // see CookieInsecure above
	e.Use(csrf.EnsureTokenCookie(csrfCookieSecure))
	e.Use(middleware.CSRFWithConfig(csrf.MiddlewareConfig(cfgProvider, csrfCookieSecure)))
	e.Pre(route.PublicPath(cfg.PublicPath))
	route.SetHealthRoute(e)

	apiGroup := e.Group("/api/v1")
	apiGroup.GET("/settings", api.GetSettings(cfgProvider))
	apiGroup.GET("/releases", api.GetLatestReleases(cfgProvider, api.NewReleaseChecker()))
	apiGroup.GET("/ui-extensions", api.GetUIExtensions(cfgProvider, api.TemporalAccessCheck(conn, apiMiddleware)))
	writeControl := route.DisableWriteMiddleware(cfgProvider)
	apiGroup.GET(api.WorkflowRawHistoryUrl, api.WorkflowRawHistoryHandler(workflowservice.NewWorkflowServiceClient(conn)), writeControl)
	apiGroup.Match([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, "/*",
		api.TemporalAPIHandler(cfgProvider, apiMiddleware, conn), writeControl)
	route.SetAuthRoutes(e, cfgProvider)

	assets, err := ui.Assets()
	if err == nil {
		assets, err = fs.Sub(assets, "local")
	}
	if err == nil {
		err = route.SetUIRoutes(e, cfg.PublicPath, assets, cfgProvider)
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("ui assets: %w", err)
	}
	route.SetRenderRoute(e, "/")

	var handler http.Handler = e
	if codec != nil {
		// Before echo, whose CSRF middleware would refuse the UI's
		// codec calls (they carry no CSRF token).
		mux := http.NewServeMux()
		mux.Handle(CodecPath+"/", http.StripPrefix(CodecPath, codec))
		mux.Handle("/", e)
		handler = mux
	}
	s := &uiServer{
		http: &http.Server{
			Handler:           handler,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
		conn: conn,
		addr: ln.Addr().String(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("temporal web ui stopped", "addr", s.addr, "error", err)
		}
	}()
	return s, nil
}

func (s *uiServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Browsers keep long polls open; after the grace period just cut them.
	if err := s.http.Shutdown(ctx); err != nil {
		_ = s.http.Close()
	}
	<-s.done
	_ = s.conn.Close()
}
