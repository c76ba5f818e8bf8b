package kube

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/devenv/devenv/env/engine"
)

// A pod cannot be stopped and started again: stop, kill and remove all delete it.

// Containers lists devenv's pods with these labels, as containers.
func (k *Engine) Containers(ctx context.Context, labels map[string]string) ([]engine.Container, error) {
	list, err := k.api.listPods(ctx, k.ns, selector(labels))
	if err != nil {
		return nil, k.apiError("listing pods", err)
	}
	out := make([]engine.Container, 0, len(list.Items))
	for _, p := range list.Items {
		c := engine.Container{ID: p.Name, Name: p.Name, Created: p.CreationTimestamp.Time, Labels: devenvLabels(p.Annotations)}
		if len(p.Spec.Containers) > 0 {
			c.Image = p.Spec.Containers[0].Image
		}
		c.State, c.Status = podState(&p)
		out = append(out, c)
	}
	return out, nil
}

// podState is the pod's phase in the engine's words: running, created, exited.
func podState(p *corev1.Pod) (string, string) {
	since := func(t time.Time) string { return time.Since(t).Round(time.Second).String() }
	switch {
	case p.DeletionTimestamp != nil:
		return "removing", "Terminating"
	case p.Status.Phase == corev1.PodRunning:
		start := p.CreationTimestamp.Time
		if p.Status.StartTime != nil {
			start = p.Status.StartTime.Time
		}
		return "running", "Up " + since(start) + " (pod)"
	case p.Status.Phase == corev1.PodPending:
		return "created", "Pending"
	}
	return "exited", string(p.Status.Phase)
}

// StopContainer deletes the pod, giving its processes timeout to end.
func (k *Engine) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	return k.remove(ctx, id, int64(timeout/time.Second))
}

// RestartContainer is refused: a pod is made anew, by the next devenv run.
func (k *Engine) RestartContainer(ctx context.Context, id string, timeout time.Duration) error {
	return fmt.Errorf("a pod cannot be restarted: devenv stop, then the next devenv run or shell starts a new one")
}

// KillContainer deletes the pod at once.
func (k *Engine) KillContainer(ctx context.Context, id, signal string) error {
	return k.remove(ctx, id, 0)
}

// RemoveContainer deletes the pod.
func (k *Engine) RemoveContainer(ctx context.Context, id string, force bool) error {
	grace := int64(2)
	if force {
		grace = 0
	}
	return k.remove(ctx, id, grace)
}

func (k *Engine) remove(ctx context.Context, name string, grace int64) error {
	err := k.api.deletePod(ctx, k.ns, name, grace)
	if err != nil && !isNotFound(err) {
		return k.apiError("deleting the pod "+name, err)
	}
	return nil
}

// Logs is the tail of the pod's output.
func (k *Engine) Logs(ctx context.Context, id string, tail int) (string, error) {
	opts := &corev1.PodLogOptions{Container: containerName}
	if tail > 0 {
		opts.TailLines = ptr(int64(tail))
	}
	b, err := k.api.podLogs(ctx, k.ns, id, opts)
	if err != nil {
		return "", k.apiError("the pod "+id+"'s logs", err)
	}
	return string(b), nil
}
