package deploy

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/brukerhjelp/brukerhjelp/internal/config"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
)

// The operator's identity provider, as they would export it.
var operatorEnv = map[string]string{
	"OIDC_ISSUER":   "https://login.fylke.example/realms/fylke",
	"OIDC_AUDIENCE": "brukerhjelp",
}

func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("brukerhjelp", true) })
}

// oneShot are setup jobs that run to completion; whoever needs them waits
// for service_completed_successfully instead of a healthcheck.
var oneShot = []string{"temporal-schema"}

func TestComposeStack(t *testing.T) {
	p, err := loadCompose(t, operatorEnv)
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	for _, name := range []string{"postgresql", "temporal", "temporal-ui", "eventstore", "mailpit", "api", "worker"} {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("service %s is missing", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		s := p.Services[name]
		if slices.Contains(oneShot, name) {
			if s.Restart != "no" {
				t.Errorf("%s: a one-shot job must not restart (restart: %q)", name, s.Restart)
			}
		} else if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s: no healthcheck", name)
		}
		if s.Build == nil && (s.Image == "" || strings.HasSuffix(s.Image, ":latest") || !strings.Contains(s.Image, ":")) {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
		for dep, d := range s.DependsOn {
			want := types.ServiceConditionHealthy
			if slices.Contains(oneShot, dep) {
				want = types.ServiceConditionCompletedSuccessfully
			}
			if d.Condition != want {
				t.Errorf("%s depends on %s with condition %q, want %q", name, dep, d.Condition, want)
			}
			if _, ok := p.Services[dep]; !ok {
				t.Errorf("%s depends on %s, which is no service", name, dep)
			}
		}
	}

	var images []string
	for _, role := range []config.Role{config.API, config.Worker} {
		s, ok := p.Services[string(role)]
		if !ok {
			continue
		}
		if s.Build == nil || filepath.Clean(s.Build.Context) != filepath.Clean(p.WorkingDir) || s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s: must build from the repository's Dockerfile, got %+v", role, s.Build)
		}
		images = append(images, s.Image)
		if !slices.Equal([]string(s.Command), []string{string(role)}) {
			t.Errorf("%s: command = %q, want [%s]", role, s.Command, role)
		}
		if s.HealthCheck != nil && !slices.Equal([]string(s.HealthCheck.Test), []string{"CMD", "/brukerhjelp", "healthcheck", string(role)}) {
			t.Errorf("%s: healthcheck %q is not the binary's own `healthcheck %s` (the image has no shell)", role, s.HealthCheck.Test, role)
		}
		for _, dep := range []string{"postgresql", "temporal-namespace", "eventstore"} {
			if _, ok := s.DependsOn[dep]; !ok {
				t.Errorf("%s does not wait for %s", role, dep)
			}
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			if !slices.Contains(config.Variables, k) {
				t.Errorf("%s sets %s, which internal/config does not know", role, k)
			}
			if v != nil {
				env[k] = *v
			}
		}
		// Every setting the process requires is there and well formed.
		if _, err := config.Load(role, func(k string) string { return env[k] }); err != nil {
			t.Errorf("%s's environment would stop it at start:\n%v", role, err)
		}
		if f := env["DIRECTORY_FILE"]; f != "" && !mounted(s, f) {
			t.Errorf("%s: DIRECTORY_FILE %s is not mounted into the container", role, f)
		}
	}
	if len(images) == 2 && (images[0] == "" || images[0] != images[1]) {
		t.Errorf("api and worker must be the same image, got %q", images)
	}
}

func mounted(s types.ServiceConfig, path string) bool {
	for _, v := range s.Volumes {
		if v.Target == path {
			if _, err := os.Stat(v.Source); err == nil {
				return true
			}
		}
	}
	return false
}

// TestComposeNamesAMissingIdentityProvider: production never takes dev
// tokens, so `docker compose up` without an identity provider stops at
// once and says which setting is missing.
func TestComposeNamesAMissingIdentityProvider(t *testing.T) {
	_, err := loadCompose(t, map[string]string{"OIDC_AUDIENCE": "brukerhjelp"})
	if err == nil || !strings.Contains(err.Error(), "OIDC_ISSUER") {
		t.Fatalf("loading without OIDC_ISSUER: got %v, want an error naming OIDC_ISSUER", err)
	}
}

// TestDockerfile reads the Dockerfile's stages: a pinned Go build without
// cgo, and a final stage that runs only the binary as a non-root user.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]string // instructions per stage, continuation lines joined
	for line := range strings.Lines(strings.ReplaceAll(string(b), "\\\n", " ")) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("instruction before the first FROM: %q", line)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], line)
	}
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stage(s)", len(stages))
	}
	build := strings.Join(stages[0], "\n")
	if !strings.Contains(build, "FROM golang:1.26") {
		t.Errorf("the build stage is not golang:1.26.x:\n%s", build)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-ldflags='-s -w'", "./cmd/brukerhjelp"} {
		if !strings.Contains(build, want) {
			t.Errorf("the build stage lacks %s", want)
		}
	}
	final := stages[len(stages)-1]
	var user, entrypoint string
	for _, in := range final {
		word, rest, _ := strings.Cut(in, " ")
		switch strings.ToUpper(word) {
		case "USER":
			user = strings.TrimSpace(rest)
		case "ENTRYPOINT":
			entrypoint = strings.TrimSpace(rest)
		case "RUN":
			t.Errorf("the final stage runs commands (%q): it should hold only the binary", in)
		}
	}
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		t.Errorf("the final stage's USER is %q, want a non-root user", user)
	}
	if entrypoint != `["/brukerhjelp"]` {
		t.Errorf(`ENTRYPOINT = %s, want ["/brukerhjelp"]`, entrypoint)
	}
	if from := final[0]; !strings.Contains(from, "distroless/static") && !strings.Contains(from, "scratch") {
		t.Errorf("the final stage is %q, want distroless/static or scratch", from)
	}
}

// TestDockerignoreKeepsWhatTheBuildNeeds: the context must still hold the
// module files and the embedded data.
func TestDockerignoreKeepsWhatTheBuildNeeds(t *testing.T) {
	b, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	needed := []string{"go.mod", "go.sum", "cmd/brukerhjelp/main.go", "api/openapi.json", "internal/catalog/catalog.json"}
	for line := range strings.Lines(string(b)) {
		pat := strings.TrimSpace(line)
		if pat == "" || strings.HasPrefix(pat, "#") {
			continue
		}
		pat = strings.TrimPrefix(strings.TrimSuffix(pat, "/"), "/")
		for _, n := range needed {
			if ignored(pat, n) {
				t.Errorf(".dockerignore pattern %q leaves out %s", line, n)
			}
		}
	}
	if !strings.Contains(string(b), ".git") {
		t.Error(".dockerignore does not leave out .git")
	}
}

// ignored reports whether a .dockerignore pattern leaves out path, as
// Docker reads it: patterns are relative to the context's root, a pattern
// that matches a directory leaves out everything in it, and a leading **/
// matches at any depth.
func ignored(pattern, path string) bool {
	parts := strings.Split(path, "/")
	anyDepth := strings.HasPrefix(pattern, "**/")
	pattern = strings.TrimPrefix(pattern, "**/")
	for start := range parts {
		if start > 0 && !anyDepth {
			break
		}
		for end := start; end < len(parts); end++ {
			if ok, _ := filepath.Match(pattern, strings.Join(parts[start:end+1], "/")); ok {
				return true
			}
		}
	}
	return false
}

// TestDirectoryFileIsTheDemoOrganisation: the compose stack's directory
// is the demo organisation of API.md section 2.
func TestDirectoryFileIsTheDemoOrganisation(t *testing.T) {
	d, err := directory.Load("directory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := directory.Demo()
	got, wantUsers := d.Users(), want.Users()
	if len(got) != len(wantUsers) {
		t.Fatalf("directory.yaml has %d users, the demo %d", len(got), len(wantUsers))
	}
	for _, w := range wantUsers {
		g, ok := d.User(w.Username)
		if !ok {
			t.Errorf("directory.yaml lacks %s", w.Username)
			continue
		}
		if g.Unit != w.Unit || g.Email != w.Email || g.DisplayName != w.DisplayName ||
			!slices.Equal(g.Roles, w.Roles) || !slices.Equal(g.Groups, w.Groups) || !slices.Equal(g.Leads, w.Leads) ||
			!slices.Equal(g.Delegations, w.Delegations) {
			t.Errorf("%s differs:\n got %+v\nwant %+v", w.Username, g, w)
		}
	}
}
