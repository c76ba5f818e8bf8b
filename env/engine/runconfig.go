package engine

import (
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// GPUDriver is the device driver devenv asks for GPUs with: the NVIDIA Container
// Toolkit's, the one GPU driver Docker and Podman's compatible API know by name.
const GPUDriver = "nvidia"

// createConfig turns req into the engine's create request, as `docker run` would
// send it; autoRemove: the engine removes the container when it exits. Kept apart
// from the call so the request's shape is tested without an engine.
func createConfig(req RunRequest, autoRemove bool) (*container.Config, *container.HostConfig, *network.NetworkingConfig, *ocispec.Platform, error) {
	exposed, bindings, err := nat.ParsePortSpecs(req.Ports)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cfg := &container.Config{
		Image:        req.Image,
		Cmd:          req.Cmd,
		WorkingDir:   req.Workdir,
		User:         req.User,
		Env:          req.Env,
		Labels:       req.Labels,
		Tty:          req.TTY,
		OpenStdin:    req.Stdin != nil,
		StdinOnce:    req.Stdin != nil,
		AttachStdin:  req.Stdin != nil,
		AttachStdout: true,
		AttachStderr: true,
		ExposedPorts: exposed,
	}
	init := true
	host := &container.HostConfig{
		AutoRemove:   autoRemove,
		Init:         &init, // a real PID 1 that passes signals on and reaps zombies
		PortBindings: bindings,
	}
	for _, m := range req.Mounts {
		kind := mount.TypeBind
		if m.Volume {
			kind = mount.TypeVolume
		}
		host.Mounts = append(host.Mounts, mount.Mount{Type: kind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
	}
	if req.GPUs != 0 {
		// As `docker run --gpus all` (Count -1) or `--gpus N` sends it, with the
		// driver named so an engine without it says so instead of guessing.
		host.DeviceRequests = []container.DeviceRequest{{Driver: GPUDriver, Count: req.GPUs, Capabilities: [][]string{{"gpu"}}}}
	}
	var netCfg *network.NetworkingConfig
	if req.Network != "" {
		host.NetworkMode = container.NetworkMode(req.Network)
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{req.Network: {}}}
	}
	platform, err := ParsePlatform(req.Platform)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return cfg, host, netCfg, platform, nil
}

// ParsePlatform reads "os/arch[/variant]"; "" is nil: the engine's own.
func ParsePlatform(s string) (*ocispec.Platform, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" || (len(parts) == 3 && parts[2] == "") {
		return nil, fmt.Errorf("platform %q is not os/arch[/variant], like \"linux/amd64\" or \"linux/arm64\"", s)
	}
	p := &ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}
