package kube

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// ensureImage makes the image the Docker engine built reachable by the cluster, and
// returns the reference the pod names:
//   - with a registry: tagged REGISTRY/NAME:TAG and pushed there (what a team's cluster
//     needs: every node pulls it; the tag is content addressed, so a pod never runs a
//     stale image and a push of an image already there sends no layer);
//   - with a load command (a local cluster: kind load docker-image, minikube image
//     load, scripts/cluster-up.sh import): run once unless a node already lists it;
//   - with neither: the reference as it is, for a cluster that can pull it already.
func (k *Engine) ensureImage(ctx context.Context, image string, note io.Writer, end string) (string, error) {
	switch {
	case k.opts.Registry != "":
		ref := strings.TrimSuffix(k.opts.Registry, "/") + "/" + repoPath(image)
		if err := k.Docker.TagImage(ctx, image, ref); err != nil {
			return "", err
		}
		var out bytes.Buffer
		if err := k.Docker.PushImage(ctx, ref, &out); err != nil {
			return "", fmt.Errorf("pushing %s for the cluster: %w", ref, err)
		}
		return ref, nil
	case k.opts.Load != "":
		if k.onNodes(ctx, image) {
			return image, nil
		}
		fmt.Fprintf(note, "devenv: loading %s into the cluster (%s)%s", image, k.opts.Load, end)
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, "sh", "-c", k.opts.Load+` "$1"`, "sh", image)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("loading %s into the cluster with %q failed (%v): %s", image, k.opts.Load, err, oneLine(out.String()))
		}
	}
	return image, nil
}

// repoPath is image without its registry host: devenv/name:tag.
func repoPath(image string) string {
	if reg := registryOf(image); reg != "docker.io" || strings.HasPrefix(image, "docker.io/") {
		return strings.TrimPrefix(image, reg+"/")
	}
	return image
}

// onNodes reports whether a node lists the image (the kubelet reports the images it
// holds in the node's status).
func (k *Engine) onNodes(ctx context.Context, image string) bool {
	nodes, err := k.api.listNodes(ctx)
	if err != nil {
		return false // no right to list nodes: load, which is only slower
	}
	want := []string{image, "docker.io/" + image, "docker.io/library/" + image}
	for _, n := range nodes.Items {
		for _, img := range n.Status.Images {
			for _, name := range img.Names {
				if slices.Contains(want, name) {
					return true
				}
			}
		}
	}
	return false
}
