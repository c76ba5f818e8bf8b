package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The working tree reaches a pod as a copy: all of it when the pod starts, and, before
// each later command in a kept pod, the host's files changed since the last copy. It
// is one way: a file written in the pod stays there, and is overwritten only when the
// host's copy changes too. (Two-way sync through a volume is the remote engines' way;
// docs/KUBERNETES.md.)

const (
	annotationUploads  = "dev.devenv.uploads"
	annotationUploaded = "dev.devenv.uploaded-at"
)

type uploadNote struct {
	Source string `json:"source"`
	Target string `json:"target"`
	User   string `json:"user"`
}

// uploadAll copies each host directory into the pod (the changes after since, or all
// when since is zero) and notes in the pod's annotations what was copied and when.
func (k *Engine) uploadAll(ctx context.Context, pod string, uploads []upload, user string, since time.Time) error {
	if len(uploads) == 0 {
		return nil
	}
	began := time.Now()
	sent := false
	notes := make([]uploadNote, 0, len(uploads))
	for _, u := range uploads {
		did, err := k.upload(ctx, pod, u.source, u.target, user, since)
		if err != nil {
			return fmt.Errorf("copying %s into the pod %s: %w", u.source, pod, err)
		}
		sent = sent || did
		notes = append(notes, uploadNote{Source: u.source, Target: u.target, User: user})
	}
	if !sent && !since.IsZero() {
		return nil
	}
	b, _ := json.Marshal(notes)
	// A file saved while the copy ran is newer than began: the next command copies it.
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		annotationUploads: string(b), annotationUploaded: strconv.FormatInt(began.UnixNano(), 10),
	}}})
	_, err := k.cs.CoreV1().Pods(k.ns).Patch(ctx, pod, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return k.apiError("noting the copy in the pod "+pod, err)
	}
	return nil
}

// refresh copies into a kept pod the host's files changed since its last copy.
func (k *Engine) refresh(ctx context.Context, pod string) error {
	p, err := k.getPod(ctx, pod)
	if err != nil {
		return k.apiError("the pod "+pod, err)
	}
	var notes []uploadNote
	if json.Unmarshal([]byte(p.Annotations[annotationUploads]), &notes) != nil || len(notes) == 0 {
		return nil
	}
	ns, _ := strconv.ParseInt(p.Annotations[annotationUploaded], 10, 64)
	since := time.Unix(0, ns)
	uploads := make([]upload, 0, len(notes))
	for _, n := range notes {
		uploads = append(uploads, upload{source: n.Source, target: n.Target})
	}
	return k.uploadAll(ctx, pod, uploads, notes[0].User, since)
}
