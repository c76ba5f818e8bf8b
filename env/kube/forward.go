package kube

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/devenv/devenv/env/engine"
)

// ports = ["8000:8000"] on a cluster: while the command runs, devenv forwards
// 127.0.0.1:HOST on this machine to the pod's port (the API server's port-forward, as
// kubectl port-forward). Only loopback: a pod is not published on the network.

// forwardSpecs turns Docker's port specs (HOST:CONTAINER, IP:HOST:CONTAINER,
// CONTAINER, with an optional /tcp) into port-forward's LOCAL:REMOTE.
func forwardSpecs(ports []string) ([]string, error) {
	var out []string
	for _, p := range ports {
		spec, proto, _ := strings.Cut(p, "/")
		if proto != "" && proto != "tcp" {
			return nil, fmt.Errorf("port %s: the Kubernetes engine forwards TCP ports only", p)
		}
		parts := strings.Split(spec, ":")
		switch len(parts) {
		case 1:
			out = append(out, parts[0]+":"+parts[0])
		case 2:
			out = append(out, parts[0]+":"+parts[1])
		case 3:
			out = append(out, parts[1]+":"+parts[2])
		default:
			return nil, fmt.Errorf("port %s: write HOST:CONTAINER", p)
		}
	}
	return out, nil
}

// forward starts forwarding ports to the pod and returns when they listen; the
// returned func stops it.
func (k *Engine) forward(ctx context.Context, pod string, ports []string) (func(), error) {
	specs, err := forwardSpecs(ports)
	if err != nil || len(specs) == 0 {
		return func() {}, err
	}
	rt, upgrader, err := spdy.RoundTripperFor(k.rc)
	if err != nil {
		return nil, err
	}
	url := k.api.podSub(k.ns, pod, "portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: rt}, http.MethodPost, url)
	stop, ready := make(chan struct{}), make(chan struct{})
	var errOut bytes.Buffer
	pf, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, specs, stop, ready, nil, &errOut)
	if err != nil {
		return nil, err
	}
	failed := make(chan error, 1)
	go func() { failed <- pf.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-failed:
		if err != nil && strings.Contains(err.Error(), "unable to listen") {
			return nil, &engine.PortInUseError{Ports: ports, Msg: fmt.Sprintf("cannot listen on 127.0.0.1 for ports %s: %v", strings.Join(ports, ", "), err)}
		}
		return nil, fmt.Errorf("forwarding ports %s to the pod %s: %v", strings.Join(ports, ", "), pod, err)
	case <-ctx.Done():
		close(stop)
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { close(stop) }) }, nil
}
