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
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
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
	e.networks = cloneAll(networks, func(n engine.Network) engine.Network { n.Labels = maps.Clone(n.Labels); return n })
}

// SetVolumes replaces the engine's volumes.
func (e *Engine) SetVolumes(volumes ...engine.Volume) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.volumes = cloneAll(volumes, func(v engine.Volume) engine.Volume { v.Labels = maps.Clone(v.Labels); return v })
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

// --- info

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

// --- images

// ImageExists reports whether an image has ref as a tag or ID.
func (e *Engine) ImageExists(_ context.Context, ref string) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("ImageExists", nil, ref); err != nil {
		return false, err
	}
	return e.imageLocked(ref) >= 0, nil
}

func (e *Engine) imageLocked(ref string) int {
	return slices.IndexFunc(e.images, func(im engine.ImageSummary) bool { return im.ID == ref || slices.Contains(im.Tags, ref) })
}

// addImageLocked adds an image, taking its tags from any image that held them.
func (e *Engine) addImageLocked(im engine.Image) string {
	for i := range e.images {
		e.images[i].Tags = slices.DeleteFunc(slices.Clone(e.images[i].Tags), func(t string) bool { return slices.Contains(im.Tags, t) })
	}
	e.madeImages++
	if im.ID == "" {
		im.ID = fmt.Sprintf("sha256:%064x", e.madeImages)
	}
	if im.Created.IsZero() {
		im.Created = e.now()
	}
	e.images = append(e.images, cloneImage(engine.ImageSummary{Image: im}))
	return im.ID
}

// Build reads the whole context, as the Docker client does (a stream that fails
// fails the build with its error), records the request and, unless OnBuild or Fail
// says otherwise, makes an image tagged req.Tag with req.Labels.
func (e *Engine) Build(_ context.Context, req engine.BuildRequest) error {
	files, readErr := readContext(req.Context)
	req.Context = nil
	e.mu.Lock()
	e.builds = append(e.builds, req)
	e.contexts = append(e.contexts, files)
	err := e.record("Build", nil, req.Tag)
	hook := e.OnBuild
	e.mu.Unlock()
	if readErr != nil {
		e.outcome("Build", readErr)
		return readErr
	}
	if err != nil {
		return err
	}
	if hook != nil {
		if err := hook(req, files); err != nil {
			e.outcome("Build", err)
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addImageLocked(engine.Image{Tags: []string{req.Tag}, Labels: maps.Clone(req.Labels)})
	return nil
}

func readContext(r io.Reader) (BuildContext, error) {
	files := BuildContext{Files: map[string]string{}}
	if r == nil {
		return files, nil
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return files, err
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return files, err
		}
		files.Names = append(files.Names, hdr.Name)
		files.Files[hdr.Name] = string(body)
	}
}

// Images lists the images carrying the labels.
func (e *Engine) Images(_ context.Context, labels map[string]string) ([]engine.Image, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("Images", labels); err != nil {
		return nil, err
	}
	var out []engine.Image
	for _, im := range e.images {
		if e.matches(im.Labels, labels) {
			out = append(out, cloneImage(im).Image)
		}
	}
	return out, nil
}

// ImageSummaries lists the images carrying the labels, with their sizes.
func (e *Engine) ImageSummaries(_ context.Context, labels map[string]string) ([]engine.ImageSummary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("ImageSummaries", labels); err != nil {
		return nil, err
	}
	var out []engine.ImageSummary
	for _, im := range e.images {
		if e.matches(im.Labels, labels) {
			out = append(out, cloneImage(im))
		}
	}
	return out, nil
}

// RemoveImageUnlessUsed removes a tag, and the image with its last tag, or an image
// by ID; a container using the image it would remove gives *engine.ImageInUseError.
// An image already gone is no error.
func (e *Engine) RemoveImageUnlessUsed(_ context.Context, ref string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("RemoveImageUnlessUsed", nil, ref); err != nil {
		return err
	}
	i := e.imageLocked(ref)
	if i < 0 {
		return nil
	}
	im := &e.images[i]
	if im.ID != ref && len(im.Tags) > 1 {
		im.Tags = slices.DeleteFunc(slices.Clone(im.Tags), func(t string) bool { return t == ref })
		return nil
	}
	for _, c := range e.containers {
		if c.ImageID == im.ID {
			err := &engine.ImageInUseError{Ref: ref, Msg: fmt.Sprintf("conflict: unable to remove repository reference %q (must force) - container %s is using its referenced image", ref, c.ID)}
			e.calls[len(e.calls)-1].Err = err
			return err
		}
	}
	e.images = slices.Delete(e.images, i, i+1)
	return nil
}

// --- registry

// TagImage gives the image under src the tag dst.
func (e *Engine) TagImage(_ context.Context, src, dst string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("TagImage", nil, src, dst); err != nil {
		return err
	}
	i := e.imageLocked(src)
	if i < 0 {
		err := fmt.Errorf("no such image: %s", src)
		e.calls[len(e.calls)-1].Err = err
		return err
	}
	for j := range e.images {
		e.images[j].Tags = slices.DeleteFunc(slices.Clone(e.images[j].Tags), func(t string) bool { return t == dst })
	}
	e.images[i].Tags = append(e.images[i].Tags, dst)
	return nil
}

// PushImage pushes the image tagged ref; the engine must hold it.
func (e *Engine) PushImage(_ context.Context, ref string, _ io.Writer) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("PushImage", nil, ref); err != nil {
		return err
	}
	if e.imageLocked(ref) < 0 {
		err := fmt.Errorf("an image does not exist locally with the tag: %s", ref)
		e.calls[len(e.calls)-1].Err = err
		return err
	}
	return nil
}

// PullImage makes an image tagged ref, unless OnPull or Fail says otherwise.
func (e *Engine) PullImage(_ context.Context, ref string, _ io.Writer) error {
	e.mu.Lock()
	err := e.record("PullImage", nil, ref)
	hook := e.OnPull
	e.mu.Unlock()
	if err != nil {
		return err
	}
	if hook != nil {
		if err := hook(ref); err != nil {
			e.outcome("PullImage", err)
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addImageLocked(engine.Image{Tags: []string{ref}})
	return nil
}

// --- containers

// Run runs a container: while OnRun runs, the container is listed as running under
// req.Name, and it is gone after, as devenv's containers remove themselves.
func (e *Engine) Run(_ context.Context, req engine.RunRequest) (int, error) {
	e.mu.Lock()
	e.runs = append(e.runs, req)
	err := e.record("Run", nil, req.Image)
	hook := e.OnRun
	id := ""
	if err == nil {
		id = e.addContainerLocked(req.Name, req.Image, req.Labels)
	}
	e.mu.Unlock()
	if err != nil {
		return 0, err
	}
	defer func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.containers = slices.DeleteFunc(e.containers, func(c engine.Container) bool { return c.ID == id })
	}()
	if hook == nil {
		return 0, nil
	}
	code, err := hook(req)
	e.outcome("Run", err)
	return code, err
}

func (e *Engine) addContainerLocked(name, image string, labels map[string]string) string {
	e.madeCtrs++
	id := fmt.Sprintf("c%d", e.madeCtrs)
	if name == "" {
		name = id
	}
	imageID := ""
	if i := e.imageLocked(image); i >= 0 {
		imageID = e.images[i].ID
	}
	e.containers = append(e.containers, engine.Container{ID: id, Name: name, Image: image, ImageID: imageID,
		State: "running", Status: "Up Less than a second", Created: e.now(), Labels: maps.Clone(labels)})
	return id
}

// start makes a running container in the background, refusing a name in use.
func (e *Engine) start(method, name, image string, labels map[string]string) (string, error) {
	if err := e.record(method, nil, name); err != nil {
		return "", err
	}
	if e.containerLocked(name) >= 0 {
		err := fmt.Errorf("conflict: the container name %q is already in use", "/"+name)
		e.calls[len(e.calls)-1].Err = err
		return "", err
	}
	return e.addContainerLocked(name, image, labels), nil
}

// StartDetached starts a container in the background and returns its ID.
func (e *Engine) StartDetached(_ context.Context, req engine.RunRequest) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.detached = append(e.detached, req)
	return e.start("StartDetached", req.Name, req.Image, req.Labels)
}

// StartService starts a service's container and returns its ID.
func (e *Engine) StartService(_ context.Context, req engine.ServiceRequest) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.services = append(e.services, req)
	return e.start("StartService", req.Name, req.Image, req.Labels)
}

func (e *Engine) containerLocked(idOrName string) int {
	return slices.IndexFunc(e.containers, func(c engine.Container) bool { return c.ID == idOrName || c.Name == idOrName })
}

// exec runs OnExec for a command in a running container.
func (e *Engine) exec(method string, req engine.ExecRequest) (int, error) {
	e.mu.Lock()
	e.execs = append(e.execs, req)
	err := e.record(method, nil, append([]string{req.Container}, req.Cmd...)...)
	if err == nil {
		if i := e.containerLocked(req.Container); i < 0 || e.containers[i].State != "running" {
			err = fmt.Errorf("container %s is not running", req.Container)
			e.calls[len(e.calls)-1].Err = err
		}
	}
	hook := e.OnExec
	e.mu.Unlock()
	if err != nil || hook == nil {
		return 0, err
	}
	code, err := hook(req.Container, req.Cmd)
	e.outcome(method, err)
	return code, err
}

// Exec runs a command in a running container, by ID or name.
func (e *Engine) Exec(_ context.Context, container string, cmd []string, user string, env []string, _ io.Writer) (int, error) {
	return e.exec("Exec", engine.ExecRequest{Container: container, Cmd: cmd, User: user, Env: env})
}

// ExecAttached runs a command in a running container with streams attached.
func (e *Engine) ExecAttached(_ context.Context, req engine.ExecRequest) (int, error) {
	return e.exec("ExecAttached", req)
}

// Logs gives the last tail lines SetLogs set for the container, or OnLogs' answer.
func (e *Engine) Logs(_ context.Context, id string, tail int) (string, error) {
	e.mu.Lock()
	err := e.record("Logs", nil, id)
	hook := e.OnLogs
	text := e.logs[id]
	if i := e.containerLocked(id); i >= 0 && text == "" {
		text = e.logs[e.containers[i].Name]
	}
	e.mu.Unlock()
	if err != nil {
		return "", err
	}
	if hook != nil {
		return hook(id, tail)
	}
	if lines := strings.SplitAfter(text, "\n"); tail > 0 && len(lines) > tail+1 {
		text = strings.Join(lines[len(lines)-tail-1:], "")
	}
	return text, nil
}

// Containers lists the containers, running or not, carrying the labels.
func (e *Engine) Containers(_ context.Context, labels map[string]string) ([]engine.Container, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("Containers", labels); err != nil {
		return nil, err
	}
	var out []engine.Container
	for _, c := range e.containers {
		if e.matches(c.Labels, labels) {
			out = append(out, cloneContainer(c))
		}
	}
	return out, nil
}

// setState changes a container's state; a container already gone is no error, as with
// engine.Docker.
func (e *Engine) setState(method, id, state string, args ...string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record(method, nil, append([]string{id}, args...)...); err != nil {
		return err
	}
	if i := e.containerLocked(id); i >= 0 && state != "" {
		e.containers[i].State = state
	}
	return nil
}

// StopContainer stops a container.
func (e *Engine) StopContainer(_ context.Context, id string, timeout time.Duration) error {
	return e.setState("StopContainer", id, "exited", timeout.String())
}

// RestartContainer restarts a container.
func (e *Engine) RestartContainer(_ context.Context, id string, timeout time.Duration) error {
	return e.setState("RestartContainer", id, "running", timeout.String())
}

// KillContainer sends a signal to a container; SIGKILL ends it.
func (e *Engine) KillContainer(_ context.Context, id, signal string) error {
	state := ""
	if s := strings.TrimPrefix(strings.ToUpper(signal), "SIG"); s == "KILL" || s == "9" {
		state = "exited"
	}
	return e.setState("KillContainer", id, state, signal)
}

// RemoveContainer removes a container; a running one only with force.
func (e *Engine) RemoveContainer(_ context.Context, id string, force bool) error {
	args := []string{id}
	if force {
		args = append(args, "force")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("RemoveContainer", nil, args...); err != nil {
		return err
	}
	i := e.containerLocked(id)
	if i < 0 {
		return nil
	}
	if e.containers[i].State == "running" && !force {
		err := fmt.Errorf("conflict: cannot remove container %s: it is running: stop it first, or force the removal", id)
		e.calls[len(e.calls)-1].Err = err
		return err
	}
	e.containers = slices.Delete(e.containers, i, i+1)
	return nil
}

// --- networks and volumes

// EnsureNetwork makes the network unless one of that name exists.
func (e *Engine) EnsureNetwork(_ context.Context, name string, labels map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("EnsureNetwork", nil, name); err != nil {
		return err
	}
	if !slices.ContainsFunc(e.networks, func(n engine.Network) bool { return n.Name == name }) {
		e.networks = append(e.networks, engine.Network{ID: "net-" + name, Name: name, Labels: maps.Clone(labels)})
	}
	return nil
}

// Networks lists the networks carrying the labels.
func (e *Engine) Networks(_ context.Context, labels map[string]string) ([]engine.Network, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("Networks", labels); err != nil {
		return nil, err
	}
	var out []engine.Network
	for _, n := range e.networks {
		if e.matches(n.Labels, labels) {
			n.Labels = maps.Clone(n.Labels)
			out = append(out, n)
		}
	}
	return out, nil
}

// RemoveNetwork removes a network by ID or name.
func (e *Engine) RemoveNetwork(_ context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("RemoveNetwork", nil, id); err != nil {
		return err
	}
	e.networks = slices.DeleteFunc(e.networks, func(n engine.Network) bool { return n.ID == id || n.Name == id })
	return nil
}

// EnsureVolume makes the volume unless it exists.
func (e *Engine) EnsureVolume(_ context.Context, name string, labels map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("EnsureVolume", nil, name); err != nil {
		return err
	}
	if !slices.ContainsFunc(e.volumes, func(v engine.Volume) bool { return v.Name == name }) {
		e.volumes = append(e.volumes, engine.Volume{Name: name, Labels: maps.Clone(labels)})
	}
	return nil
}

// Volumes lists the volumes carrying the labels.
func (e *Engine) Volumes(_ context.Context, labels map[string]string) ([]engine.Volume, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("Volumes", labels); err != nil {
		return nil, err
	}
	var out []engine.Volume
	for _, v := range e.volumes {
		if e.matches(v.Labels, labels) {
			v.Labels = maps.Clone(v.Labels)
			out = append(out, v)
		}
	}
	return out, nil
}

// RemoveVolume removes a volume and the data in it.
func (e *Engine) RemoveVolume(_ context.Context, name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("RemoveVolume", nil, name); err != nil {
		return err
	}
	e.volumes = slices.DeleteFunc(e.volumes, func(v engine.Volume) bool { return v.Name == name })
	return nil
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
