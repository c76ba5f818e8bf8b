// Package kube is devenv's Kubernetes engine: the environment runs as a pod in the
// namespace of the user's kubeconfig, entered with exec. Images are built by the user's
// Docker engine (the embedded *engine.Docker serves builds, images and registries) and
// reach the cluster by a push to a registry the cluster pulls from, or by a load
// command for a local cluster (kind load docker-image, scripts/cluster-up.sh import).
// This package is the only importer of client-go.
package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/devenv/devenv/env/engine"
)

// Kind is how the Kubernetes engine names itself in engine.Info and engine.Details.
const Kind = engine.KindKubernetes

// Options are what the user's config says about the pod and the image's way to the
// cluster.
type Options struct {
	// Context and Namespace override the kubeconfig's current ones; "" keeps them.
	Context, Namespace string
	// CPU and Memory are the pod's request and limit, as Kubernetes writes them ("2", "4Gi").
	CPU, Memory  string
	NodeSelector map[string]string
	// Tolerations are "key=value:Effect", "key:Effect" or "key" (any effect).
	Tolerations []string
	// Registry is where images are pushed for the cluster to pull: "host:port/path".
	Registry string
	// Load is a command that copies an image from the Docker engine into the
	// cluster's nodes, given the image as its last argument.
	Load string
}

// Engine is the Kubernetes engine. Building, image listing and registries are the
// user's Docker engine's; containers are pods.
type Engine struct {
	*engine.Docker
	api     *api
	rc      *rest.Config
	ns      string
	context string
	server  string
	opts    Options
}

// NoConfigError is a user without any kubeconfig.
type NoConfigError struct{}

func (*NoConfigError) Error() string {
	return "no kubeconfig: set KUBECONFIG or write ~/.kube/config (kubectl config view shows what devenv would use)"
}

// Connect reads the user's kubeconfig as kubectl does (KUBECONFIG, else ~/.kube/config;
// its current context and that context's namespace, unless opts names them).
func Connect(docker *engine.Docker, opts Options) (*Engine, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	overrides := &clientcmd.ConfigOverrides{CurrentContext: opts.Context}
	if opts.Namespace != "" {
		overrides.Context.Namespace = opts.Namespace
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	if len(raw.Contexts) == 0 && len(raw.Clusters) == 0 {
		return nil, &NoConfigError{}
	}
	rc, err := cc.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, &NoConfigError{}
		}
		return nil, fmt.Errorf("the kubeconfig: %w", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig's namespace: %w", err)
	}
	name := opts.Context
	if name == "" {
		name = raw.CurrentContext
	}
	rc.UserAgent = "devenv"
	cs, err := newAPI(rc)
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig's context %s: %w", name, err)
	}
	if opts.Load == "" {
		opts.Load = os.Getenv("DEVENV_KUBE_LOAD")
	}
	if opts.Registry == "" {
		opts.Registry = os.Getenv("DEVENV_KUBE_REGISTRY")
	}
	return &Engine{Docker: docker, api: cs, rc: rc, ns: ns, context: name, server: rc.Host, opts: opts}, nil
}

// Namespace is where the engine's pods live.
func (k *Engine) Namespace() string { return k.ns }

// UnreachableError is an API server that does not answer.
type UnreachableError struct {
	Server, Context string
	Err             error
}

func (e *UnreachableError) Error() string {
	cause := e.Err.Error()
	var ue *url.Error
	if errors.As(e.Err, &ue) {
		cause = ue.Err.Error()
	}
	var oe *net.OpError
	if errors.As(e.Err, &oe) {
		cause = oe.Err.Error()
	}
	return fmt.Sprintf("cannot reach the Kubernetes API server %s (kubeconfig context %s): %s; check the cluster is up and `kubectl --context %s version` answers",
		e.Server, e.Context, cause, e.Context)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// version asks the API server for its version within a few seconds.
func (k *Engine) version(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	body, err := k.api.core.Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", ctx.Err()
		}
		return "", &UnreachableError{Server: k.server, Context: k.context, Err: err}
	}
	v := string(body)
	if i := strings.Index(v, `"gitVersion": "`); i >= 0 {
		v = v[i+len(`"gitVersion": "`):]
		v = v[:strings.IndexByte(v, '"')]
	}
	return v, nil
}

// Ping checks the API server answers. BuildKit is the Docker engine's, which builds.
func (k *Engine) Ping(ctx context.Context) (engine.Info, error) {
	v, err := k.version(ctx)
	if err != nil {
		return engine.Info{}, err
	}
	d, err := k.Docker.Ping(ctx)
	if err != nil {
		return engine.Info{}, fmt.Errorf("the Kubernetes engine builds images with Docker: %w", err)
	}
	return engine.Info{Endpoint: k.Endpoint(), Context: k.context, APIVersion: v, OSType: "linux",
		Kind: Kind, BuildKit: d.BuildKit}, nil
}

// Endpoint is the API server and namespace: where the engine's pods are.
func (k *Engine) Endpoint() string { return k.server + " namespace " + k.ns }

// Details are the API server's version; the build side is the Docker engine's.
func (k *Engine) Details(ctx context.Context) (engine.Details, error) {
	d, err := k.Docker.Details(ctx)
	if err != nil {
		return engine.Details{}, fmt.Errorf("the Kubernetes engine builds images with Docker: %w", err)
	}
	v, err := k.version(ctx)
	if err != nil {
		return engine.Details{}, err
	}
	// The API version stays the Docker engine's: it builds, and doctor checks it.
	d.Kind, d.Endpoint, d.Context, d.ServerVersion = Kind, k.Endpoint(), k.context, v
	d.Runtimes, d.RootDir = nil, ""
	return d, nil
}
