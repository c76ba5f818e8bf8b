package env

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// inputDigests names each input of the image with a short digest of its contents:
// devenv.toml stands for everything the rendered Dockerfile holds, "base" for the base
// image reference, and every dependency file for itself.
func inputDigests(s *Spec, dockerfile string) (map[string]string, error) {
	out := map[string]string{
		ConfigFile: shortDigest([]byte(dockerfile)),
		"base":     s.Base,
	}
	if s.BaseID != "" {
		// The image the tag named, so that a re-tagged base reads as what changed.
		out["base"] = s.Base + " (" + shortID(s.BaseID) + ")"
	}
	for _, g := range s.Groups {
		for _, f := range g.Files {
			h := sha256.New()
			file, err := os.Open(filepath.Join(s.Root, filepath.FromSlash(f)))
			if err != nil {
				return nil, fmt.Errorf("cannot read dependency %s: %w", f, err)
			}
			_, err = io.Copy(h, file)
			file.Close()
			if err != nil {
				return nil, fmt.Errorf("cannot read dependency %s: %w", f, err)
			}
			out[f] = hex.EncodeToString(h.Sum(nil))[:12]
		}
	}
	ownDockerfileInputs(s, dockerfile, out)
	return out, nil
}

// inputsLabel is the value of LabelInputs for the project's image: the digests
// ProjectStatus compares with the current inputs.
func inputsLabel(p *Project) (string, error) {
	digests, err := inputDigests(p.Spec, p.Dockerfile)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(digests)
	return string(b), err
}

func shortDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:12]
}

// Status is whether a project's image is up to date, and if not, why.
type Status struct {
	Project string `json:"project"`
	Config  string `json:"config"`
	Image   string `json:"image"`
	// Fresh: the image for the current inputs exists; nothing will be built.
	Fresh bool `json:"fresh"`
	// LastBuilt is the newest image of this project, when the current one is missing.
	LastBuilt string `json:"last_built,omitempty"`
	// Changed are the inputs that differ from LastBuilt's.
	Changed []Change `json:"changed,omitempty"`
	// Base is the image the environment starts from; Stacks the project's stacks
	// with the versions they follow and where those come from.
	Base   string        `json:"base"`
	Stacks []StackStatus `json:"stacks,omitempty"`
	// Lock says where devenv.lock stands: up to date, or what moved past it.
	Lock string `json:"lock,omitempty"`
}

// StackStatus is one stack of the environment as `devenv status` shows it.
type StackStatus struct {
	Name    string `json:"name"`
	Dir     string `json:"dir,omitempty"`
	Version string `json:"version,omitempty"`
	// Source is the file (and line) the version comes from; empty for devenv's default.
	Source  string `json:"source,omitempty"`
	Manager string `json:"manager,omitempty"`
}

func (s StackStatus) String() string {
	out := s.Name
	if s.Version != "" {
		out += " " + s.Version
		if s.Source != "" {
			out += " (from " + s.Source + ")"
		} else {
			out += " (devenv's default)"
		}
	}
	if s.Manager != "" {
		out += ", " + s.Manager
	}
	if s.Dir != "" {
		out += " in " + s.Dir + "/"
	}
	return out
}

func stackStatuses(s *Spec) []StackStatus {
	var out []StackStatus
	for i, st := range s.Stacks {
		if st.Name == "generic" {
			continue
		}
		ss := StackStatus{Name: st.Name, Dir: st.Dir, Version: st.Version.Value, Manager: st.Manager}
		if i == 0 && s.BaseSet {
			// The base image devenv.toml names decides the version, whatever the files say.
			ss.Version = ""
		} else if st.Version.Source.File != "" {
			ss.Source = st.Version.Source.String()
		}
		out = append(out, ss)
	}
	return out
}

// Change is one input that differs from the last image's.
type Change struct {
	Input string `json:"input"`
	// What: "changed", "added" or "removed".
	What string `json:"what"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Staleness says why the image is stale and since which build: "stale since
// devenv/app:1a2b", or "changed requirements.txt, base image (a -> b) since
// devenv/app:1a2b"; "" when it is up to date or was never built.
func (st *Status) Staleness() string {
	switch {
	case st.Fresh || st.LastBuilt == "":
		return ""
	case len(st.Changed) == 0:
		return "stale since " + st.LastBuilt
	}
	names := make([]string, len(st.Changed))
	for i, c := range st.Changed {
		names[i] = c.String()
	}
	return "changed " + strings.Join(names, ", ") + " since " + st.LastBuilt
}

func (c Change) String() string {
	switch {
	case c.Input == "base":
		return fmt.Sprintf("base image (%s -> %s)", c.From, c.To)
	case c.What == "changed":
		return c.Input
	default:
		return c.Input + " (" + c.What + ")"
	}
}

// ProjectStatus compares the project's current inputs with its images on the engine.
func ProjectStatus(ctx context.Context, eng ImageEngine, p *Project) (*Status, error) {
	st := &Status{Project: p.Spec.Root, Config: p.Spec.ConfigPath, Image: p.Tag, Base: p.Spec.Base, Stacks: stackStatuses(p.Spec), Lock: lockStatus(p)}
	images, err := eng.Images(ctx, map[string]string{LabelProject: p.Spec.Root})
	if err != nil {
		return nil, err
	}
	sort.Slice(images, func(i, j int) bool { return images[i].Created.After(images[j].Created) })
	for _, im := range images {
		if im.Labels[LabelFingerprint] == p.Fingerprint {
			st.Fresh = true
			return st, nil
		}
	}
	if len(images) == 0 {
		return st, nil
	}
	last := images[0]
	st.LastBuilt = ImageTag(last.Labels[LabelName], last.Labels[LabelFingerprint])
	var before map[string]string
	if err := json.Unmarshal([]byte(last.Labels[LabelInputs]), &before); err != nil {
		return st, nil // an image from before inputs were recorded: stale, reason unknown
	}
	now, err := inputDigests(p.Spec, p.Dockerfile)
	if err != nil {
		return nil, err
	}
	st.Changed = diffInputs(before, now)
	return st, nil
}

func diffInputs(before, now map[string]string) []Change {
	var out []Change
	for _, k := range sortedKeys(now) {
		old, had := before[k]
		switch {
		case !had:
			out = append(out, Change{Input: k, What: "added"})
		case old != now[k] && k == "base":
			out = append(out, Change{Input: k, What: "changed", From: old, To: now[k]})
		case old != now[k]:
			out = append(out, Change{Input: k, What: "changed"})
		}
	}
	for _, k := range sortedKeys(before) {
		if _, ok := now[k]; !ok {
			out = append(out, Change{Input: k, What: "removed"})
		}
	}
	return out
}
