package env

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A Django site as such repositories ship it: the app built from the project's
// Dockerfile, Postgres and Redis beside it.
const djangoCompose = `version: "3.9"
services:
  web:
    build: .
    command: python manage.py runserver 0.0.0.0:8000
    volumes:
      - .:/code
    ports:
      - "8000:8000"
    environment:
      - DJANGO_SETTINGS_MODULE=mysite.settings
      - DATABASE_URL=postgres://postgres:${POSTGRES_PASSWORD:-postgres}@db:5432/mysite
      - SECRET_KEY
    depends_on:
      db:
        condition: service_healthy
      redis:
        condition: service_started
  worker:
    build: .
    command: celery -A mysite worker
  db:
    image: postgres:16
    restart: always
    environment:
      POSTGRES_DB: mysite
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}
      PGPORT: 5432
    ports:
      - target: 5432
        published: 5432
        host_ip: 127.0.0.1
    volumes:
      - pgdata:/var/lib/postgresql/data
      - ./docker/init.sql:/docker-entrypoint-initdb.d/init.sql
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "postgres"]
      interval: 5s
      retries: 10
  redis:
    image: redis:7-alpine
    command: redis-server --appendonly yes
    healthcheck:
      test: ["CMD-SHELL", "redis-cli ping | grep PONG"]
    volumes:
      - redisdata:/data
volumes:
  pgdata:
  redisdata:
`

func TestImportComposeDjango(t *testing.T) {
	files := map[string]string{
		"docker-compose.yml": djangoCompose,
		"Dockerfile":         "FROM python:3.12-slim\nWORKDIR /code\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n",
		"requirements.txt":   "django\npsycopg2-binary\nredis\n",
		"manage.py":          "",
	}
	plan, spec, explain := planFor(t, files)
	// The stack found gives the environment; the app's Dockerfile is offered only.
	if plan.Template() != "python" || spec.OwnDockerfile != nil {
		t.Errorf("template %q, own Dockerfile %v: want python and the Dockerfile left", plan.Template(), spec.OwnDockerfile)
	}
	var names []string
	byName := map[string]Service{}
	for _, s := range spec.Services {
		names = append(names, s.Name)
		byName[s.Name] = s
	}
	if !slices.Equal(names, []string{"db", "redis"}) {
		t.Fatalf("services %v, want db and redis (web is the environment, worker a second process of it)", names)
	}
	db := byName["db"]
	if db.Image != "postgres:16" || db.Healthcheck != "pg_isready -U postgres" ||
		db.Env["POSTGRES_PASSWORD"] != "postgres" || db.Env["PGPORT"] != "5432" || db.Env["POSTGRES_DB"] != "mysite" {
		t.Errorf("db = %+v", db)
	}
	if !slices.Equal(db.Ports, []string{"127.0.0.1:5432:5432"}) {
		t.Errorf("db ports %v", db.Ports)
	}
	if len(db.Volumes) != 1 || db.Volumes[0] != (ServiceVolume{Name: "pgdata", Target: "/var/lib/postgresql/data"}) {
		t.Errorf("db volumes %v: want the named volume only", db.Volumes)
	}
	redis := byName["redis"]
	if redis.Image != "redis:7-alpine" || redis.Healthcheck != "redis-cli ping | grep PONG" || len(redis.Volumes) != 1 {
		t.Errorf("redis = %+v", redis)
	}
	// The app's environment and ports are the environment's.
	if spec.Env["DATABASE_URL"] != "postgres://postgres:postgres@db:5432/mysite" {
		t.Errorf("DATABASE_URL = %q", spec.Env["DATABASE_URL"])
	}
	if spec.Env["DJANGO_SETTINGS_MODULE"] != "mysite.settings" || !slices.Equal(spec.Ports, []string{"8000:8000"}) {
		t.Errorf("env %v ports %v", spec.Env, spec.Ports)
	}
	wantLines(t, plan.Text, "[services.db]", `healthcheck = "pg_isready -U postgres"`, `volumes = ["pgdata:/var/lib/postgresql/data"]`,
		`# dockerfile = "Dockerfile"  # what docker-compose.yml web builds`)
	wantLines(t, explain,
		"found   docker-compose.yml: 4 services",
		"chose   service web of docker-compose.yml is the environment itself, not a service",
		"chose   [services.db] from docker-compose.yml db (image postgres:16)",
		"chose   [services.redis] from docker-compose.yml redis (image redis:7-alpine)",
		"chose   [env] DJANGO_SETTINGS_MODULE (docker-compose.yml web environment)",
		"left    environment SECRET_KEY takes the host's value: add it to pass_env",
		"left    docker-compose.yml service worker builds the project too",
		"left    docker-compose.yml db volume docker/init.sql:/docker-entrypoint-initdb.d/init.sql mounts a host path",
		"left    docker-compose.yml db healthcheck interval is not imported",
		"left    docker-compose.yml redis command is not imported",
		"left    docker-compose.yml web command is not imported",
		"left    Dockerfile is not used: the stack found gives the environment",
	)
	if strings.Contains(explain, "is here too") {
		t.Errorf("imported files need no note:\n%s", explain)
	}
}

// Without a stack devenv knows, the app's Dockerfile is the environment; a built
// service keeps its folder.
func TestImportComposeAppDockerfile(t *testing.T) {
	_, spec, explain := planFor(t, map[string]string{
		"compose.yaml":  "services:\n  app:\n    build:\n      context: .\n    environment:\n      DB_HOST: db\n  db:\n    build: ./db\n    healthcheck:\n      test: pg_isready\n",
		"Dockerfile":    "FROM debian:bookworm\n",
		"db/Dockerfile": "FROM debian:bookworm\n",
	})
	if spec.OwnDockerfile == nil || spec.OwnDockerfile.Path != "Dockerfile" {
		t.Fatalf("OwnDockerfile %+v", spec.OwnDockerfile)
	}
	if len(spec.Services) != 1 || filepath.Base(spec.Services[0].Build) != "db" || spec.Services[0].Healthcheck != "pg_isready" || spec.Env["DB_HOST"] != "db" {
		t.Errorf("services %+v env %v", spec.Services, spec.Env)
	}
	wantLines(t, explain, `chose   dockerfile = "Dockerfile" (compose.yaml app build)`)
}

func TestImportComposeBadYAML(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"compose.yaml": "services:\n  db:\n\timage: postgres\n"})
	_, err := PlanInit(root)
	wantErr(t, err, "compose.yaml:3: found character that cannot start any token")
	if _, statErr := os.Stat(filepath.Join(root, ConfigFile)); statErr == nil {
		t.Error("a devenv.toml was written")
	}
}

// devcontainer.json that points at a compose file: its service is the environment.
func TestImportDevcontainerCompose(t *testing.T) {
	_, spec, explain := planFor(t, map[string]string{
		".devcontainer/devcontainer.json":  `{"dockerComposeFile": "docker-compose.yml", "service": "dev", "workspaceFolder": "/workspaces/x"}`,
		".devcontainer/docker-compose.yml": "services:\n  dev:\n    build:\n      context: ..\n      dockerfile: .devcontainer/Dockerfile\n    command: sleep infinity\n  cache:\n    image: redis:7\n",
		".devcontainer/Dockerfile":         "FROM debian:bookworm\n",
	})
	if spec.OwnDockerfile == nil || spec.OwnDockerfile.Path != ".devcontainer/Dockerfile" || spec.OwnDockerfile.Context != "." {
		t.Fatalf("OwnDockerfile %+v", spec.OwnDockerfile)
	}
	if len(spec.Services) != 1 || spec.Services[0].Name != "cache" || spec.Workdir != "/workspaces/x" {
		t.Errorf("services %+v workdir %q", spec.Services, spec.Workdir)
	}
	wantLines(t, explain, "found   .devcontainer/docker-compose.yml: 2 services", "chose   service dev of .devcontainer/docker-compose.yml is the environment itself")
}

// Ports written with compose's ${VAR:-default} (BookStack: "${DEV_PORT:-8080}:80") take
// the default, as the environment's values do; one with no default, or not a port at
// all, is left, never written into a devenv.toml that would then not load. A bind
// mount of the whole folder is named "./", not "".
func TestImportComposePortsInterpolated(t *testing.T) {
	plan, spec, explain := planFor(t, map[string]string{
		"docker-compose.yml": "services:\n  app:\n    build: .\n    ports:\n      - ${DEV_PORT:-8080}:80\n      - ${OTHER_PORT}:81\n" +
			"  mail:\n    image: mailhog/mailhog\n    ports:\n      - \"${MAIL_PORT:-8025}:8025\"\n      - \"abc\"\n    volumes:\n      - ./:/app\n",
		"Dockerfile": "FROM debian:bookworm\n",
	})
	if !slices.Equal(spec.Ports, []string{"8080:80"}) {
		t.Errorf("ports %v, want 8080:80", spec.Ports)
	}
	if len(spec.Services) != 1 || !slices.Equal(spec.Services[0].Ports, []string{"8025:8025"}) {
		t.Errorf("services %+v, want mail with 8025:8025", spec.Services)
	}
	if strings.Contains(plan.Text, "${") {
		t.Errorf("devenv.toml holds a ${...}:\n%s", plan.Text)
	}
	wantLines(t, explain,
		`left    docker-compose.yml app ports "${OTHER_PORT}:81" needs a value devenv cannot work out: set ports in devenv.toml`,
		`left    docker-compose.yml mail ports "abc" is not a port devenv can publish: not imported`,
		"left    docker-compose.yml mail volume ./:/app mounts a host path",
	)
}
