package engine

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/connhelper"
	clicontext "github.com/docker/cli/cli/context"
	"github.com/docker/cli/cli/context/store"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/docker/go-connections/tlsconfig"
)

// DefaultContext is the docker CLI's name for "DOCKER_HOST, or the local socket".
const DefaultContext = "default"

// dockerEndpoint is the name a context store gives a context's Docker endpoint.
const dockerEndpoint = "docker"

// Target is the engine devenv talks to, and what chose it.
type Target struct {
	// Context is the docker context's name; DefaultContext for DOCKER_HOST or the
	// local socket.
	Context string `json:"context"`
	// From says what chose the context: "--context", "DOCKER_CONTEXT", "DOCKER_HOST",
	// the config file's path (its currentContext), or "" for the built-in default.
	From string `json:"from,omitempty"`
	// Host is the endpoint as written: unix://, tcp://, ssh://, npipe://.
	Host          string              `json:"host"`
	SkipTLSVerify bool                `json:"-"`
	TLS           *clicontext.TLSData `json:"-"`
}

// where names the endpoint and, when a context chose it, the context, for messages.
func (t Target) where() string {
	if t.Context == "" || t.Context == DefaultContext {
		return t.Host
	}
	return fmt.Sprintf("%s (context %q)", t.Host, t.Context)
}

// ContextError is a context that names no usable engine: missing, or unreadable.
type ContextError struct {
	Context string
	From    string
	Err     error
}

func (e *ContextError) Error() string {
	from := ""
	if e.From != "" {
		from = " (from " + e.From + ")"
	}
	if errdefs.IsNotFound(e.Err) {
		return fmt.Sprintf("docker context %q%s does not exist: see `docker context ls`, or choose one with --context or `docker context use`", e.Context, from)
	}
	return fmt.Sprintf("cannot read docker context %q%s: %v (see `docker context ls`)", e.Context, from, e.Err)
}

func (e *ContextError) Unwrap() error { return e.Err }

// Resolve picks the engine as the docker CLI does (docker/cli's resolveContextName):
// the --context flag, then DOCKER_HOST (the default context), then DOCKER_CONTEXT, then
// the config's currentContext, else the default context. configDir is the Docker
// config directory ($DOCKER_CONFIG, or ~/.docker); getenv reads the environment.
func Resolve(flagContext, configDir string, getenv func(string) string) (Target, error) {
	name, from := flagContext, "--context"
	switch {
	case name != "":
	case getenv(client.EnvOverrideHost) != "":
		name, from = DefaultContext, client.EnvOverrideHost
	case getenv("DOCKER_CONTEXT") != "":
		name, from = getenv("DOCKER_CONTEXT"), "DOCKER_CONTEXT"
	default:
		cfg, err := config.Load(configDir)
		if err != nil {
			return Target{}, fmt.Errorf("cannot read the Docker config %s: %w", filepath.Join(configDir, config.ConfigFileName), err)
		}
		name, from = cfg.CurrentContext, cfg.Filename
		if name == "" {
			name, from = DefaultContext, ""
		}
	}
	if name == DefaultContext {
		host := getenv(client.EnvOverrideHost)
		if host == "" {
			host = client.DefaultDockerHost
			// Nothing set and no Docker socket: Podman's, where it usually listens.
			if sock := podmanSocket(getenv); sock != "" {
				host, from = "unix://"+sock, FromPodmanSocket
			}
		}
		return Target{Context: DefaultContext, From: from, Host: host}, nil
	}

	// The context store as the docker CLI keeps it: metadata, and TLS material per endpoint.
	s := store.New(filepath.Join(configDir, "contexts"), store.NewConfig(nil,
		store.EndpointTypeGetter(dockerEndpoint, func() any { return &clicontext.EndpointMetaBase{} })))
	meta, err := s.GetMetadata(name)
	if err != nil {
		return Target{}, &ContextError{Context: name, From: from, Err: err}
	}
	ep, ok := meta.Endpoints[dockerEndpoint].(clicontext.EndpointMetaBase)
	if !ok || ep.Host == "" {
		return Target{}, &ContextError{Context: name, From: from, Err: errors.New("it has no Docker endpoint")}
	}
	tlsData, err := clicontext.LoadTLSData(s, name, dockerEndpoint)
	if err != nil {
		return Target{}, &ContextError{Context: name, From: from, Err: err}
	}
	return Target{Context: name, From: from, Host: ep.Host, SkipTLSVerify: ep.SkipTLSVerify, TLS: tlsData}, nil
}

// Connect resolves the engine (flagContext is the global --context flag) and makes a
// client for it, with the API version negotiated so old and new engines both work.
// Nothing is dialled yet: an endpoint that is gone shows at the first call.
func Connect(flagContext string) (*Docker, error) {
	t, err := Resolve(flagContext, config.Dir(), os.Getenv)
	if err != nil {
		return nil, err
	}
	return ConnectTarget(t)
}

// ConnectTarget makes a client for t.
func ConnectTarget(t Target) (*Docker, error) {
	opts, err := clientOpts(t)
	if err == nil {
		var cli *client.Client
		cli, err = client.NewClientWithOpts(append(opts, client.WithAPIVersionNegotiation())...)
		if err == nil {
			return &Docker{cli: cli, target: t, https: speaksTLS(t, os.Getenv)}, nil
		}
	}
	fix := "check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH"
	if t.Context != DefaultContext {
		fix = fmt.Sprintf("check it with `docker context inspect %s`", t.Context)
	}
	return nil, fmt.Errorf("cannot set up the Docker client for %s: %w (%s)", t.where(), err, fix)
}

// clientOpts are the client options for t. docker/cli's own Endpoint.ClientOpts makes
// options for another client module (moby/moby/client), so this follows it with
// docker/docker's: ssh:// through docker/cli's connection helper (it runs `ssh` and
// `docker system dial-stdio` there), TLS from the context's material.
func clientOpts(t Target) ([]client.Opt, error) {
	helper, err := connhelper.GetConnectionHelper(t.Host)
	if err != nil {
		return nil, err
	}
	if helper != nil {
		// Every connection, the API's and the BuildKit session's, is a new ssh process.
		return []client.Opt{
			client.WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: helper.Dialer}}),
			client.WithHost(helper.Host),
			client.WithDialContext(helper.Dialer),
			client.WithVersionFromEnv(),
		}, nil
	}
	if t.Context == DefaultContext {
		opts := []client.Opt{client.FromEnv, client.WithHost(t.Host)}
		// As the docker CLI: DOCKER_TLS_VERIFY without DOCKER_CERT_PATH takes the
		// certificates from the config directory.
		if os.Getenv("DOCKER_TLS_VERIFY") != "" && os.Getenv("DOCKER_CERT_PATH") == "" {
			dir := config.Dir()
			opts = append(opts, client.WithTLSClientConfig(filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")))
		}
		return opts, nil
	}
	opts := []client.Opt{client.WithHost(t.Host), client.WithVersionFromEnv()}
	if isSocket(t.Host) || (t.TLS == nil && !t.SkipTLSVerify) {
		return opts, nil
	}
	tc, err := contextTLS(t)
	if err != nil {
		return nil, err
	}
	return append([]client.Opt{client.WithHTTPClient(&http.Client{
		Transport: &http.Transport{
			TLSClientConfig: tc,
			DialContext:     (&net.Dialer{KeepAlive: 30 * time.Second, Timeout: 30 * time.Second}).DialContext,
		},
		CheckRedirect: client.CheckRedirect,
	})}, opts...), nil
}

// contextTLS is the TLS configuration a context's material makes, as docker/cli's.
func contextTLS(t Target) (*tls.Config, error) {
	var fns []func(*tls.Config)
	if t.TLS != nil && t.TLS.CA != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(t.TLS.CA) {
			return nil, fmt.Errorf("the context's ca.pem holds no certificate")
		}
		fns = append(fns, func(c *tls.Config) { c.RootCAs = pool })
	}
	if t.TLS != nil && t.TLS.Cert != nil && t.TLS.Key != nil {
		pair, err := tls.X509KeyPair(t.TLS.Cert, t.TLS.Key)
		if err != nil {
			return nil, fmt.Errorf("the context's cert.pem and key.pem: %w", err)
		}
		fns = append(fns, func(c *tls.Config) { c.Certificates = []tls.Certificate{pair} })
	}
	if t.SkipTLSVerify {
		fns = append(fns, func(c *tls.Config) { c.InsecureSkipVerify = true })
	}
	return tlsconfig.ClientDefault(fns...), nil
}

// speaksTLS: the client made for t speaks TLS, as clientOpts sets it up: a
// context's TLS material, or DOCKER_CERT_PATH or DOCKER_TLS_VERIFY for DOCKER_HOST.
func speaksTLS(t Target, getenv func(string) string) bool {
	if isSocket(t.Host) || strings.HasPrefix(t.Host, "ssh://") {
		return false
	}
	if t.Context == DefaultContext {
		return getenv("DOCKER_CERT_PATH") != "" || getenv("DOCKER_TLS_VERIFY") != ""
	}
	return t.TLS != nil || t.SkipTLSVerify
}

func isSocket(host string) bool {
	proto, _, _ := strings.Cut(host, "://")
	return proto == "unix" || proto == "npipe" || proto == "fd"
}

// tlsHint reads a TLS failure: the engine answered, but one side did not trust the
// other. "" when cause is not one.
func tlsHint(context, cause string) string {
	material := "DOCKER_CERT_PATH's ca.pem, cert.pem and key.pem (or ~/.docker's, when DOCKER_CERT_PATH is unset)"
	if context != "" && context != DefaultContext {
		material = fmt.Sprintf("the context's TLS material (`docker context inspect %s`)", context)
	}
	switch c := strings.ToLower(cause); {
	case strings.Contains(c, "certificate signed by unknown authority"), strings.Contains(c, "certificate is not trusted"):
		return "the engine's TLS certificate is not signed by the CA devenv was given: " + material + " must hold the CA that signed the engine's certificate"
	case strings.Contains(c, "certificate is valid for"), strings.Contains(c, "doesn't contain any ip sans"), strings.Contains(c, "not valid for any names"):
		return "the engine's TLS certificate is not made out to this address: use the host name or IP address the certificate names, or have the engine's certificate made for this one"
	case strings.Contains(c, "certificate has expired"), strings.Contains(c, "not yet valid"):
		return "a TLS certificate is out of its validity period (check the clock here and on the engine): renew the engine's certificate, or " + material
	case strings.Contains(c, "tls: bad certificate"), strings.Contains(c, "certificate required"), strings.Contains(c, "unknown certificate authority"):
		return "the engine refused devenv's client certificate: " + material + " must hold a client certificate signed by the CA the engine trusts (its --tlscacert)"
	case strings.Contains(c, "server gave http response to https client"):
		return "the engine speaks plain HTTP: unset DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or turn TLS on at the engine (--tlsverify)"
	case strings.Contains(c, "tls:"), strings.Contains(c, "x509:"):
		return "the TLS handshake with the engine failed: check " + material
	}
	return ""
}
