package env

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// DefaultHealthTimeout is how long a service's healthcheck may take to pass.
const DefaultHealthTimeout = 60 * time.Second

// ServiceOptions tune StartServices.
type ServiceOptions struct {
	Notice   io.Writer // one line per service: started, reused, healthy
	Progress io.Writer // build progress of built services
	Plain    bool
	BuildKit bool
	// Interval between healthcheck runs; 500ms when zero.
	Interval time.Duration
}

// projectLabels are the labels of every network, volume and container of a project's
// services.
func projectLabels(s *Spec) map[string]string {
	return map[string]string{LabelProject: s.Root, LabelName: s.Name, LabelVersion: Version}
}

// StartServices makes sure the project's network and every service run, each healthy:
// a service already running with the same configuration is left alone, one whose
// configuration changed is recreated. Services keep running after devenv exits; `devenv
// down` stops them.
func StartServices(ctx context.Context, eng Engine, p *Project, opt ServiceOptions) error {
	s := p.Spec
	if len(s.Services) == 0 {
		return nil
	}
	if opt.Interval <= 0 {
		opt.Interval = 500 * time.Millisecond
	}
	notice := orDiscard(opt.Notice)
	netName := ServiceNetwork(s)
	if err := eng.EnsureNetwork(ctx, netName, projectLabels(s)); err != nil {
		return fmt.Errorf("creating the network of the services: %w", err)
	}
	for _, svc := range s.Services {
		if err := startService(ctx, eng, s, svc, netName, opt, notice); err != nil {
			return err
		}
	}
	return nil
}

func startService(ctx context.Context, eng Engine, s *Spec, svc Service, netName string, opt ServiceOptions, notice io.Writer) error {
	image := svc.Image
	if svc.Build != "" {
		tag, err := buildService(ctx, eng, s, svc, opt)
		if err != nil {
			return err
		}
		image = tag
	}
	labels := projectLabels(s)
	labels[LabelService] = svc.Name
	labels[LabelContainer] = "service"
	req := engine.ServiceRequest{
		Image:   image,
		Name:    ServiceContainerName(s.Name, svc.Name),
		Ports:   svc.Ports,
		Network: netName,
		Alias:   svc.Name,
	}
	for _, k := range sortedKeys(svc.Env) {
		req.Env = append(req.Env, k+"="+svc.Env[k])
	}
	for _, v := range svc.Volumes {
		name := VolumeName(s.Name, v.Name)
		vl := projectLabels(s)
		if err := eng.EnsureVolume(ctx, name, vl); err != nil {
			return fmt.Errorf("service %s: %w", svc.Name, err)
		}
		req.Volumes = append(req.Volumes, engine.VolumeMount{Volume: name, Target: v.Target})
	}
	hash := serviceHash(req, svc)
	labels[LabelConfigHash] = hash
	req.Labels = labels

	existing, err := eng.Containers(ctx, map[string]string{LabelProject: s.Root, LabelService: svc.Name})
	if err != nil {
		return err
	}
	for _, c := range existing {
		if c.Labels[LabelProject] != s.Root || c.Labels[LabelService] != svc.Name {
			continue // never touch what is not ours
		}
		if c.State == "running" && c.Labels[LabelConfigHash] == hash {
			fmt.Fprintf(notice, "devenv: service %s is running (%s)\n", svc.Name, c.Name)
			return waitHealthy(ctx, eng, svc, c.ID, req.Name, opt, notice, false)
		}
		why := "its configuration changed"
		if c.Labels[LabelConfigHash] == hash {
			why = "it was " + c.State
		}
		fmt.Fprintf(notice, "devenv: service %s: recreating %s (%s)\n", svc.Name, c.Name, why)
		if err := eng.RemoveContainer(ctx, c.ID, true); err != nil {
			return fmt.Errorf("service %s: removing the old container %s: %w", svc.Name, c.Name, err)
		}
	}
	id, err := eng.StartService(ctx, req)
	if err != nil {
		if id != "" {
			rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			_ = eng.RemoveContainer(rmCtx, id, true)
			cancel()
		}
		var pe *engine.PortInUseError
		if errors.As(err, &pe) {
			return fmt.Errorf("service %s: %s", svc.Name, portsInUse(svc.Ports, "ports of [services."+svc.Name+"]"))
		}
		var ne *engine.NameInUseError
		if errors.As(err, &ne) {
			return fmt.Errorf("service %s: a container named %s exists that devenv did not make for this project: remove or rename it (`docker rm -f %s`)", svc.Name, req.Name, req.Name)
		}
		return fmt.Errorf("service %s: %w", svc.Name, err)
	}
	fmt.Fprintf(notice, "devenv: service %s started (%s)\n", svc.Name, req.Name)
	return waitHealthy(ctx, eng, svc, id, req.Name, opt, notice, true)
}

// serviceHash is what decides whether a running service is still what devenv.toml
// asks for.
func serviceHash(req engine.ServiceRequest, svc Service) string {
	b, _ := json.Marshal(struct {
		Req         engine.ServiceRequest
		Healthcheck string
	}{req, svc.Healthcheck})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// waitHealthy runs the healthcheck until it passes, the service stops, or its time is
// up; then the error holds the service's last log lines.
func waitHealthy(ctx context.Context, eng ContainerEngine, svc Service, id, name string, opt ServiceOptions, notice io.Writer, say bool) error {
	if svc.Healthcheck == "" {
		return nil
	}
	start := time.Now()
	deadline := start.Add(svc.HealthTimeout)
	var last string
	for {
		var out strings.Builder
		code, err := eng.Exec(ctx, name, []string{"sh", "-c", svc.Healthcheck}, "", nil, &out)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil && code == 0 {
			if say {
				fmt.Fprintf(notice, "devenv: service %s is healthy (%.1fs)\n", svc.Name, time.Since(start).Seconds())
			}
			return nil
		}
		if err != nil {
			last = err.Error()
			if state := containerState(ctx, eng, svc.Name, id); state != "" && state != "running" {
				return serviceFailed(ctx, eng, svc, id, fmt.Sprintf("service %s stopped (%s) before its healthcheck passed", svc.Name, state))
			}
		} else {
			last = fmt.Sprintf("exit status %d", code)
			if o := strings.TrimSpace(out.String()); o != "" {
				last += ": " + lastLine(o)
			}
		}
		if !time.Now().Before(deadline) {
			return serviceFailed(ctx, eng, svc, id, fmt.Sprintf("service %s did not become healthy within %s: healthcheck %q still fails (%s)", svc.Name, svc.HealthTimeout, svc.Healthcheck, last))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(opt.Interval, time.Until(deadline)+time.Millisecond)):
		}
	}
}

func containerState(ctx context.Context, eng ContainerEngine, service, id string) string {
	list, err := eng.Containers(ctx, map[string]string{LabelService: service})
	if err != nil {
		return ""
	}
	for _, c := range list {
		if c.ID == id {
			return c.State
		}
	}
	return "removed"
}

// serviceFailed is msg with the service's last 20 log lines and what to do.
func serviceFailed(ctx context.Context, eng ContainerEngine, svc Service, id, msg string) error {
	logs, err := eng.Logs(context.WithoutCancel(ctx), id, 20)
	logs = strings.TrimRight(logs, "\n")
	switch {
	case err != nil:
		logs = "  (cannot read its logs: " + err.Error() + ")"
	case logs == "":
		logs = "  (it wrote nothing)"
	default:
		logs = "  " + strings.ReplaceAll(logs, "\n", "\n  ")
	}
	return fmt.Errorf("%s\nits last 20 log lines:\n%s\nfix the service (or raise health_timeout of [services.%s] in %s), then run the command again; `devenv down` stops the services",
		msg, logs, svc.Name, ConfigFile)
}

func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}

// buildService builds a service's directory into devenv/<project>-svc-<service>:<hash
// of the directory's files>, unless the engine has that image already.
func buildService(ctx context.Context, eng ImageEngine, s *Spec, svc Service, opt ServiceOptions) (string, error) {
	sum, err := dirHash(svc.Build)
	if err != nil {
		return "", fmt.Errorf("service %s: reading %s: %w", svc.Name, svc.Build, err)
	}
	tag := ServiceImageTag(s.Name, svc.Name, sum)
	if ok, err := eng.ImageExists(ctx, tag); err != nil {
		return "", err
	} else if ok {
		return tag, nil
	}
	fmt.Fprintf(orDiscard(opt.Notice), "devenv: service %s: building %s from %s\n", svc.Name, tag, svc.Build)
	labels := projectLabels(s)
	labels[LabelService] = svc.Name
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeDirTar(pw, svc.Build)) }()
	defer pr.Close()
	err = eng.Build(ctx, engine.BuildRequest{
		Context: pr, Dockerfile: "Dockerfile", Tag: tag, Labels: labels, BuildArgs: proxyBuildArgs(),
		BuildKit: opt.BuildKit, Progress: orDiscard(opt.Progress), Plain: opt.Plain,
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return "", err
		}
		return "", fmt.Errorf("building service %s from %s failed: %w; fix its Dockerfile and run the command again", svc.Name, svc.Build, err)
	}
	return tag, nil
}

// DownResult is what Down removed.
type DownResult struct {
	Containers []string
	Networks   []string
	Volumes    []string
}

// Empty reports whether Down found nothing to remove.
func (r DownResult) Empty() bool {
	return len(r.Containers) == 0 && len(r.Networks) == 0 && len(r.Volumes) == 0
}

// Down stops and removes the service containers and the network of the project at
// root, and its named volumes too when volumes is set. Only devenv's labels select
// what it removes.
func Down(ctx context.Context, eng Engine, root string, volumes bool) (DownResult, error) {
	var res DownResult
	if root == "" {
		return res, errors.New("no project root: nothing to take down")
	}
	// Spares go first: one joined to the services' network holds it.
	if _, err := removeSpares(ctx, eng, root); err != nil {
		return res, err
	}
	// The engine filters by label already: clean-up checks again before it touches
	// anything.
	cs, err := eng.Containers(ctx, map[string]string{LabelProject: root, LabelService: ""})
	if err != nil {
		return res, err
	}
	res.Containers, err = removeEach(cs, func(c engine.Container) bool {
		return c.Labels[LabelProject] == root && c.Labels[LabelService] != ""
	}, func(c engine.Container) (string, error) {
		if err := eng.RemoveContainer(ctx, c.ID, true); err != nil {
			return "", fmt.Errorf("removing service container %s: %w", c.Name, err)
		}
		return c.Name, nil
	})
	if err != nil {
		return res, err
	}
	nets, err := eng.Networks(ctx, map[string]string{LabelProject: root})
	if err != nil {
		return res, err
	}
	res.Networks, err = removeEach(nets, func(n engine.Network) bool { return n.Labels[LabelProject] == root }, func(n engine.Network) (string, error) {
		var inUse *engine.NetworkInUseError
		switch err := eng.RemoveNetwork(ctx, n.ID); {
		case errors.As(err, &inUse):
			return "", fmt.Errorf("network %s is still used by a running environment of this project: leave its shell (or `devenv stop`), then run `devenv down` again", n.Name)
		case err != nil:
			return "", fmt.Errorf("removing network %s: %w", n.Name, err)
		}
		return n.Name, nil
	})
	if err != nil || !volumes {
		return res, err
	}
	vols, err := eng.Volumes(ctx, map[string]string{LabelProject: root})
	if err != nil {
		return res, err
	}
	// Not the synced tree's volume: it may hold files not yet back on the host, and
	// `devenv clean` removes it only after syncing it back.
	res.Volumes, err = removeEach(vols, func(v engine.Volume) bool { return v.Labels[LabelProject] == root && v.Labels[LabelTree] == "" }, func(v engine.Volume) (string, error) {
		if err := eng.RemoveVolume(ctx, v.Name); err != nil {
			return "", fmt.Errorf("removing volume %s: %w", v.Name, err)
		}
		return v.Name, nil
	})
	return res, err
}

// removeEach removes, in order, the listed resources that are ours, and returns the
// names of those it removed; the first failure stops it.
func removeEach[T any](list []T, ours func(T) bool, remove func(T) (name string, err error)) ([]string, error) {
	var done []string
	for _, it := range list {
		if !ours(it) {
			continue
		}
		name, err := remove(it)
		if err != nil {
			return done, err
		}
		done = append(done, name)
	}
	return done, nil
}
