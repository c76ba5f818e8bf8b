package engine

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
)

// Network is a network as listed by the engine.
type Network struct {
	ID     string
	Name   string
	Labels map[string]string
}

// Volume is a named volume as listed by the engine.
type Volume struct {
	Name   string
	Labels map[string]string
}

// Networks lists the networks carrying every one of the labels.
func (d *Docker) Networks(ctx context.Context, labels map[string]string) ([]Network, error) {
	list, err := d.cli.NetworkList(ctx, network.ListOptions{Filters: labelFilter(labels)})
	return listed(d, list, err, func(n network.Summary) Network { return Network{ID: n.ID, Name: n.Name, Labels: n.Labels} })
}

// EnsureNetwork creates a bridge network under name unless one exists. An existing
// network without the labels is refused: devenv does not adopt what it did not make.
func (d *Docker) EnsureNetwork(ctx context.Context, name string, labels map[string]string) error {
	n, err := d.cli.NetworkInspect(ctx, name, network.InspectOptions{})
	if err == nil {
		return notOurs("network", name, n.Labels, labels)
	}
	if !errdefs.IsNotFound(err) {
		return d.wrap(err)
	}
	_, err = d.cli.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge", Labels: labels})
	if err != nil && !errdefs.IsConflict(err) {
		return d.wrap(err)
	}
	return nil
}

// RemoveNetwork removes a network; one already gone is no error, one a container
// is still attached to gives *NetworkInUseError.
func (d *Docker) RemoveNetwork(ctx context.Context, id string) error {
	err := d.cli.NetworkRemove(ctx, id)
	switch {
	case err == nil || errdefs.IsNotFound(err):
		return nil
	case errdefs.IsForbidden(err): // the engine's word for "has active endpoints"
		return &NetworkInUseError{Network: id, Msg: err.Error()}
	}
	return d.wrap(err)
}

// Volumes lists the named volumes carrying every one of the labels.
func (d *Docker) Volumes(ctx context.Context, labels map[string]string) ([]Volume, error) {
	resp, err := d.cli.VolumeList(ctx, volume.ListOptions{Filters: labelFilter(labels)})
	return listed(d, resp.Volumes, err, func(v *volume.Volume) Volume { return Volume{Name: v.Name, Labels: v.Labels} })
}

// EnsureVolume creates a named volume with the labels unless one exists. An existing
// volume without them is refused.
func (d *Docker) EnsureVolume(ctx context.Context, name string, labels map[string]string) error {
	v, err := d.cli.VolumeInspect(ctx, name)
	if err == nil {
		return notOurs("volume", name, v.Labels, labels)
	}
	if !errdefs.IsNotFound(err) {
		return d.wrap(err)
	}
	if _, err := d.cli.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: labels}); err != nil {
		return d.wrap(err)
	}
	return nil
}

// RemoveVolume removes a named volume; one already gone is no error.
func (d *Docker) RemoveVolume(ctx context.Context, name string) error {
	if err := d.cli.VolumeRemove(ctx, name, false); err != nil && !errdefs.IsNotFound(err) {
		return d.wrap(err)
	}
	return nil
}

// VolumeMount is a named volume made visible in a container.
type VolumeMount struct {
	Volume, Target string
}

// ServiceRequest is a long-running container started in the background: a sidecar
// service on a project's network, reachable there by Alias.
type ServiceRequest struct {
	Image   string
	Name    string
	Env     []string
	Ports   []string
	Volumes []VolumeMount
	Labels  map[string]string
	Network string
	Alias   string
}

// StartService creates and starts a detached container that is not restarted by the
// engine and not removed when it stops, so its logs can still be read.
func (d *Docker) StartService(ctx context.Context, req ServiceRequest) (string, error) {
	exposed, bindings, err := nat.ParsePortSpecs(req.Ports)
	if err != nil {
		return "", err
	}
	cfg := &container.Config{Image: req.Image, Env: req.Env, Labels: req.Labels, ExposedPorts: exposed}
	host := &container.HostConfig{
		PortBindings:  bindings,
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled},
		NetworkMode:   container.NetworkMode(req.Network),
	}
	for _, v := range req.Volumes {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeVolume, Source: v.Volume, Target: v.Target})
	}
	netCfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		req.Network: {Aliases: []string{req.Alias}},
	}}
	created, err := d.cli.ContainerCreate(ctx, cfg, host, netCfg, nil, req.Name)
	if err != nil {
		if errdefs.IsNotFound(err) && strings.Contains(err.Error(), "No such image") {
			return "", fmt.Errorf("image %s of service %s is not on this engine: `docker pull %s`, or give the service a build directory", req.Image, req.Alias, req.Image)
		}
		return "", d.startError(err, req.Name, req.Ports)
	}
	if err := d.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return created.ID, d.startError(err, req.Name, req.Ports)
	}
	return created.ID, nil
}

// Logs returns the last tail lines a container wrote, both streams.
func (d *Docker) Logs(ctx context.Context, id string, tail int) (string, error) {
	rc, err := d.cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(tail)})
	if err != nil {
		return "", d.wrap(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return buf.String(), nil
	}
	return buf.String(), nil
}

// notOurs refuses an existing network or volume without devenv's labels for this
// project: devenv does not adopt what it did not make.
func notOurs(kind, name string, have, want map[string]string) error {
	for k, v := range want {
		if have[k] != v {
			return fmt.Errorf("a %s named %s exists but devenv did not make it for this project (label %s is %q): remove or rename it (`docker %s rm %s`)", kind, name, k, have[k], kind, name)
		}
	}
	return nil
}
