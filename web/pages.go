package web

// pageRoutes are the page areas' routes: each page file adds its own in
// an init function, so areas (the portal, the workspace, approvals, the
// auditor's pages …) grow in files of their own:
//
//	func init() {
//		addRoutes(func(s *Server) {
//			s.mux.HandleFunc("GET /tasks", s.signedIn(s.tasks))
//		})
//	}
var pageRoutes []func(*Server)

func addRoutes(f func(*Server)) { pageRoutes = append(pageRoutes, f) }
