package kube

import (
	"context"
	"encoding/json"
	"fmt"
)

// Host directories reach a pod as copies. The project's tree (the first) is kept in
// two-way sync while a command runs (sync.go); any other directory is copied in once,
// one way, when the pod starts. The pod's annotation notes them, so that a later
// command in a kept pod knows which host directory its tree is.

const annotationUploads = "dev.devenv.uploads"

type uploadNote struct {
	Source string `json:"source"`
	Target string `json:"target"`
	User   string `json:"user"`
}

func uploadNotes(uploads []upload, user string) string {
	notes := make([]uploadNote, 0, len(uploads))
	for _, u := range uploads {
		notes = append(notes, uploadNote{Source: u.source, Target: u.target, User: user})
	}
	b, _ := json.Marshal(notes)
	return string(b)
}

// uploadAll copies each host directory into the pod, one way.
func (k *Engine) uploadAll(ctx context.Context, pod string, uploads []upload, user string) error {
	for _, u := range uploads {
		if err := k.upload(ctx, pod, u.source, u.target, user); err != nil {
			return fmt.Errorf("copying %s into the pod %s: %w", u.source, pod, err)
		}
	}
	return nil
}

// keptTree is a kept pod's tree, from its annotation: nil when it has none.
func (k *Engine) keptTree(ctx context.Context, pod string) (*uploadNote, string, error) {
	p, err := k.getPod(ctx, pod)
	if err != nil {
		return nil, "", k.apiError("the pod "+pod, err)
	}
	var notes []uploadNote
	if json.Unmarshal([]byte(p.Annotations[annotationUploads]), &notes) != nil || len(notes) == 0 {
		return nil, string(p.UID), nil
	}
	return &notes[0], string(p.UID), nil
}
