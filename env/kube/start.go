package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/devenv/devenv/env/engine"
)

// unschedulableFor is how long a pod may stay unschedulable before devenv gives up and
// shows the scheduler's reason: a person waits at a prompt, and no amount of waiting
// finds a node the scheduler ruled out (an autoscaler adds one in minutes, not seconds).
var unschedulableFor = 10 * time.Second

// startTimeout bounds a pod's start (pulling a large image included).
var startTimeout = 5 * time.Minute

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }

func (k *Engine) getPod(ctx context.Context, name string) (*corev1.Pod, error) {
	return k.api.getPod(ctx, k.ns, name)
}

// createPod creates the pod and waits until its container runs; on any failure,
// Ctrl-C included, the pod is deleted again.
func (k *Engine) createPod(ctx context.Context, pod *corev1.Pod) (uid string, err error) {
	made, err := k.api.createPod(ctx, k.ns, pod)
	if err != nil {
		if apierrors.IsAlreadyExists(err) {
			return "", &engine.NameInUseError{Name: pod.Name, Msg: fmt.Sprintf("a pod named %s exists already in namespace %s", pod.Name, k.ns)}
		}
		return "", k.apiError("creating the pod "+pod.Name, err)
	}
	defer func() {
		if err != nil {
			k.deletePod(context.WithoutCancel(ctx), pod.Name)
		}
	}()
	return string(made.UID), k.waitRunning(ctx, pod.Name)
}

// waitRunning polls the pod until its container runs, and turns every way it cannot
// into one line: the image that cannot be pulled and from where, the scheduler's
// reason, the container runtime's refusal.
func (k *Engine) waitRunning(ctx context.Context, name string) error {
	deadline := time.Now().Add(startTimeout)
	var unschedulable time.Time
	for {
		p, err := k.getPod(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return k.apiError("the pod "+name, err)
		}
		if p.Status.Phase == corev1.PodRunning {
			for _, cs := range p.Status.ContainerStatuses {
				if cs.Name == containerName && cs.State.Running != nil {
					return nil
				}
			}
		}
		if err := k.startProblem(p); err != nil {
			return err
		}
		if c := scheduledFalse(p); c != nil {
			if unschedulable.IsZero() {
				unschedulable = time.Now()
			} else if time.Since(unschedulable) > unschedulableFor {
				return fmt.Errorf("the pod %s stays Pending: the scheduler says: %s; ask for less (kubernetes cpu, memory) or fix node_selector and tolerations",
					name, strings.TrimSpace(c.Message))
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the pod %s did not start within %s (phase %s); kubectl describe pod %s -n %s says why", name, startTimeout, p.Status.Phase, name, k.ns)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func scheduledFalse(p *corev1.Pod) *corev1.PodCondition {
	for i, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// startProblem is a container that cannot start, said as the cluster said it.
func (k *Engine) startProblem(p *corev1.Pod) error {
	if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
		return fmt.Errorf("the pod %s ended before devenv could use it (%s %s)", p.Name, p.Status.Reason, strings.TrimSpace(p.Status.Message))
	}
	for _, cs := range p.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil {
			return fmt.Errorf("the pod %s's container ended at start (%s, status %d): %s", p.Name, t.Reason, t.ExitCode, strings.TrimSpace(t.Message))
		}
		w := cs.State.Waiting
		if w == nil {
			continue
		}
		switch w.Reason {
		case "ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName":
			return &PullError{Pod: p.Name, Image: cs.Image, Reason: w.Reason, Message: w.Message}
		case "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "CrashLoopBackOff":
			return fmt.Errorf("the cluster cannot start the pod %s's container (%s): %s", p.Name, w.Reason, strings.TrimSpace(w.Message))
		}
	}
	return nil
}

// PullError is an image the cluster's nodes cannot pull.
type PullError struct{ Pod, Image, Reason, Message string }

func (e *PullError) Error() string {
	reg, image := registryOf(e.Image), e.Image
	if reg == "docker.io" && !strings.HasPrefix(image, "docker.io/") {
		image = "docker.io/" + image
	}
	return fmt.Sprintf("the cluster cannot pull %s from %s (%s): %s; push the image where the cluster can pull it ([kubernetes] registry in devenv.toml or DEVENV_KUBE_REGISTRY), or load it into the nodes (DEVENV_KUBE_LOAD)",
		image, reg, e.Reason, oneLine(e.Message))
}

// registryOf is the registry an image reference names, as containerd reads it.
func registryOf(image string) string {
	first, _, found := strings.Cut(image, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// deletePod removes a pod at once and does not wait for it to go.
func (k *Engine) deletePod(ctx context.Context, name string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = k.api.deletePod(ctx, k.ns, name, 0)
}

// apiError says what the API server refused, as it phrased it, and what to do.
func (k *Engine) apiError(what string, err error) error {
	var se *apierrors.StatusError
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s: the cluster refused (%s); ask its administrator for the rights devenv doctor lists in namespace %s", what, oneLine(err.Error()), k.ns)
	case apierrors.IsNotFound(err) && strings.Contains(err.Error(), "namespaces"):
		return fmt.Errorf("%s: the namespace %s does not exist (kubeconfig context %s); create it or set [kubernetes] namespace", what, k.ns, k.context)
	case errors.As(err, &se):
		return fmt.Errorf("%s: the cluster refused: %s", what, oneLine(se.ErrStatus.Message))
	}
	if _, verr := k.version(context.Background()); verr != nil {
		return verr
	}
	return fmt.Errorf("%s: %w", what, err)
}
