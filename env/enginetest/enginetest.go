// Package enginetest is the one fake container engine devenv's tests use: images,
// containers, networks and volumes held in memory, every request recorded, errors and
// hooks programmable. It behaves as engine.Docker does where devenv depends on it
// (label filters, tags moving to the newest build, removal refused while in use), so
// that a test passing against it says something about the real engine too.
//
// An *Engine is safe for concurrent use. Set its hooks and options before handing it
// to the code under test; read what happened through its methods.
package enginetest

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// Engine is an in-memory container engine. The zero value is an empty engine that
// answers Ping with engine.Info{}; New gives one with BuildKit.
type Engine struct {
	// Hooks decide what a request does. They are called after it is recorded, without
	// the engine's lock held, so they may call the engine; a nil hook does what its
	// comment says.
	OnBuild func(req engine.BuildRequest, files BuildContext) error // the build succeeds
	OnRun   func(req engine.RunRequest) (int, error)                // the container exits 0
	OnExec  func(container string, cmd []string) (int, error)       // Exec and ExecAttached: status 0
	OnPull  func(ref string) error                                  // the pull succeeds
	OnLogs  func(container string, tail int) (string, error)        // what SetLogs set

	// Clock stamps what the engine makes (Created); nil is time.Now.
	Clock func() time.Time
	// IgnoreLabels makes listings return everything, whatever label filter they are
	// given, as an engine that ignores filters would: devenv must check labels itself.
	IgnoreLabels bool

	mu         sync.Mutex
	info       engine.Info
	details    engine.Details
	images     []engine.ImageSummary
	containers []engine.Container
	networks   []engine.Network
	volumes    []engine.Volume
	logs       map[string]string
	failures   map[string]error // "Method" or "Method target" -> error
	madeImages int              // for the IDs of images made
	madeCtrs   int              // for the IDs of containers made: c1, c2, ...
	remote     bool             // SetRemote: bind mounts are refused
	arch       archive
	cache      []engine.CacheRecord // SetBuildCache
	inRegistry map[string]bool      // SetInRegistry
	// repoDigests are image ID -> registry digests (SetRepoDigests).
	repoDigests map[string][]string

	calls    []Call
	builds   []engine.BuildRequest
	contexts []BuildContext
	runs     []engine.RunRequest
	detached []engine.RunRequest
	services []engine.ServiceRequest
	execs    []engine.ExecRequest
}

// New is an empty engine with BuildKit.
func New() *Engine {
	e := &Engine{}
	e.info = engine.Info{BuildKit: true}
	return e
}

// Call is one request the engine received.
type Call struct {
	Method string
	Args   []string          // the ID, reference or name acted on first, then the options
	Labels map[string]string // a listing's label filter
	Err    error             // what the engine answered
}

// String is the method and its arguments: "StopContainer web 10s".
func (c Call) String() string {
	return strings.Join(append([]string{c.Method}, c.Args...), " ")
}

// BuildContext is what a build's context stream held.
type BuildContext struct {
	Names []string          // in stream order, duplicates kept
	Files map[string]string // name -> contents
}

// SetInfo sets what Ping answers.
func (e *Engine) SetInfo(info engine.Info) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.info = info
}

// SetDetails sets what Details answers.
func (e *Engine) SetDetails(d engine.Details) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.details = d
}

// SetImages replaces the engine's images.
func (e *Engine) SetImages(images ...engine.ImageSummary) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.images = cloneAll(images, cloneImage)
}

// AddImage adds an image known by tags, with no labels: an image pulled or built by
// someone else.
func (e *Engine) AddImage(tags ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addImageLocked(engine.Image{Tags: tags})
}

// SetContainers replaces the engine's containers.
func (e *Engine) SetContainers(containers ...engine.Container) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.containers = cloneAll(containers, cloneContainer)
}

// SetNetworks replaces the engine's networks.
func (e *Engine) SetNetworks(networks ...engine.Network) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.networks = cloneAll(networks, cloneNetwork)
}

// SetVolumes replaces the engine's volumes.
func (e *Engine) SetVolumes(volumes ...engine.Volume) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.volumes = cloneAll(volumes, cloneVolume)
}

// SetLogs sets the log of a container, by ID or name.
func (e *Engine) SetLogs(container, text string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.logs == nil {
		e.logs = map[string]string{}
	}
	e.logs[container] = text
}

// Fail makes every call of method fail with err; nil makes it succeed again.
func (e *Engine) Fail(method string, err error) { e.FailFor(method, "", err) }

// FailFor makes the calls of method on target (an ID, reference or name: the first
// argument) fail with err; nil makes them succeed again.
func (e *Engine) FailFor(method, target string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.failures == nil {
		e.failures = map[string]error{}
	}
	key := strings.TrimSpace(method + " " + target)
	if err == nil {
		delete(e.failures, key)
		return
	}
	e.failures[key] = err
}

// Calls lists the requests to the named methods (every request with none), in order,
// failed ones included.
func (e *Engine) Calls(methods ...string) []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Call
	for _, c := range e.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			c.Args = slices.Clone(c.Args)
			c.Labels = maps.Clone(c.Labels)
			out = append(out, c)
		}
	}
	return out
}

// Did lists what the engine did for the named methods: each request that succeeded,
// in order, as Call.String gives it ("RemoveContainer web force").
func (e *Engine) Did(methods ...string) []string {
	var out []string
	for _, c := range e.Calls(methods...) {
		if c.Err == nil {
			out = append(out, c.String())
		}
	}
	return out
}

// Filters lists the label filter of every call to the listing method, in order.
func (e *Engine) Filters(method string) []map[string]string {
	var out []map[string]string
	for _, c := range e.Calls(method) {
		out = append(out, c.Labels)
	}
	return out
}

// Builds lists every build request, failed ones included, without their context
// streams (see Contexts).
func (e *Engine) Builds() []engine.BuildRequest {
	return locked(e, func() []engine.BuildRequest { return slices.Clone(e.builds) })
}

// Contexts lists what each build's context held, in the order of Builds.
func (e *Engine) Contexts() []BuildContext {
	return locked(e, func() []BuildContext { return slices.Clone(e.contexts) })
}

// Runs lists every Run request, failed ones included.
func (e *Engine) Runs() []engine.RunRequest {
	return locked(e, func() []engine.RunRequest { return slices.Clone(e.runs) })
}

// Detached lists every StartDetached request.
func (e *Engine) Detached() []engine.RunRequest {
	return locked(e, func() []engine.RunRequest { return slices.Clone(e.detached) })
}

// Services lists every StartService request.
func (e *Engine) Services() []engine.ServiceRequest {
	return locked(e, func() []engine.ServiceRequest { return slices.Clone(e.services) })
}

// Execs lists every Exec and ExecAttached request (Exec's with only Container, Cmd,
// User and Env set).
func (e *Engine) Execs() []engine.ExecRequest {
	return locked(e, func() []engine.ExecRequest { return slices.Clone(e.execs) })
}

func locked[T any](e *Engine, f func() T) T {
	e.mu.Lock()
	defer e.mu.Unlock()
	return f()
}

// record logs a call and returns the error programmed for it.
func (e *Engine) record(method string, labels map[string]string, args ...string) error {
	err := e.failures[method]
	if len(args) > 0 {
		if specific, ok := e.failures[method+" "+args[0]]; ok {
			err = specific
		}
	}
	e.calls = append(e.calls, Call{Method: method, Args: args, Labels: maps.Clone(labels), Err: err})
	return err
}

// do records a call and, unless it is programmed to fail, acts with the lock held;
// what act returns is the call's answer.
func (e *Engine) do(method string, args []string, act func() error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record(method, nil, args...); err != nil {
		return err
	}
	if err := act(); err != nil {
		e.calls[len(e.calls)-1].Err = err
		return err
	}
	return nil
}

// list records a listing and answers copies of the items whose labels match.
func list[T any](e *Engine, method string, want map[string]string, items func() []T, labels func(T) map[string]string, clone func(T) T) ([]T, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record(method, want); err != nil {
		return nil, err
	}
	var out []T
	for _, it := range items() {
		if e.matches(labels(it), want) {
			out = append(out, clone(it))
		}
	}
	return out, nil
}

// outcome sets the error of the last call to method, when a hook decided it.
func (e *Engine) outcome(method string, err error) {
	if err == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.calls) - 1; i >= 0; i-- {
		if e.calls[i].Method == method {
			e.calls[i].Err = err
			return
		}
	}
}

func (e *Engine) now() time.Time {
	if e.Clock != nil {
		return e.Clock()
	}
	return time.Now()
}

// matches is the engine's label filter: every key present, with the value asked for
// unless that is empty.
func (e *Engine) matches(have, want map[string]string) bool {
	if e.IgnoreLabels {
		return true
	}
	for k, v := range want {
		got, ok := have[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}

// Ping answers SetInfo's info.
func (e *Engine) Ping(context.Context) (engine.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.info, e.record("Ping", nil)
}

// Details answers SetDetails' details.
func (e *Engine) Details(context.Context) (engine.Details, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.details, e.record("Details", nil)
}

func cloneAll[T any](in []T, clone func(T) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = clone(v)
	}
	return out
}

func cloneImage(im engine.ImageSummary) engine.ImageSummary {
	im.Tags = slices.Clone(im.Tags)
	im.Labels = maps.Clone(im.Labels)
	return im
}

func cloneContainer(c engine.Container) engine.Container {
	c.Labels = maps.Clone(c.Labels)
	return c
}

func cloneNetwork(n engine.Network) engine.Network {
	n.Labels = maps.Clone(n.Labels)
	return n
}

func cloneVolume(v engine.Volume) engine.Volume {
	v.Labels = maps.Clone(v.Labels)
	return v
}

func imageLabels(im engine.ImageSummary) map[string]string { return im.Labels }
