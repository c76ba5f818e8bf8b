package env

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// fingerprintVersion changes when devenv changes what goes into an image in a way the
// Dockerfile text does not show, so old images are not taken for new ones.
const fingerprintVersion = "devenv-fingerprint-v1"

// Fingerprint hashes everything that shapes the image: the rendered Dockerfile (which
// holds the base, packages, commands, env and the baked-in user), every dependency
// file's path and contents, so a rename counts as a change too, and the project root.
func Fingerprint(s *Spec, dockerfile string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n%s", fingerprintVersion, len(dockerfile), dockerfile)
	// The project's place: two checkouts with the same name and files get images of
	// their own, so neither cleans up or relabels the other's (BuildKit's cache makes
	// the second build instant).
	fmt.Fprintf(h, "\nroot %d:%s", len(s.Root), s.Root)
	if s.Platform != "" {
		// Another platform is another image; unset keeps the fingerprints it always had.
		fmt.Fprintf(h, "\nplatform %s", s.Platform)
	}
	if s.BaseID != "" {
		// The base image itself, not only its name: a re-tagged or re-pulled base makes
		// the image stale (the engine's ID for it, lock_apply.go).
		fmt.Fprintf(h, "\nbase-id %s", s.BaseID)
	}
	for _, g := range s.Groups {
		for _, f := range g.Files {
			if err := hashFile(h, s.Root, f); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func hashFile(h io.Writer, root, rel string) error {
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return fmt.Errorf("cannot read dependency %s: %w", rel, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	// Length-prefixed, so no two different file sets hash the same stream.
	fmt.Fprintf(h, "\nfile %d:%s %d\n", len(rel), rel, st.Size())
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("cannot read dependency %s: %w", rel, err)
	}
	return nil
}

// DockerfilePath is where the Dockerfile sits in the build context.
const DockerfilePath = contextDir + "/Dockerfile"

// WriteBuildContext writes the build context as a tar stream: the Dockerfile and the
// dependency files (the CA bundle travels as a BuildKit secret, see BuildSecrets). Never the source tree: it is bind
// mounted at run time, so the context stays as small as the manifests whatever the
// size of the repository.
func WriteBuildContext(w io.Writer, s *Spec, dockerfile string) error {
	tw := newContextTar(w)
	if err := tw.addBytes(DockerfilePath, []byte(dockerfile)); err != nil {
		return err
	}
	for _, g := range s.Groups {
		for _, f := range g.Files {
			if err := tw.addFile(f, filepath.Join(s.Root, filepath.FromSlash(f))); err != nil {
				return fmt.Errorf("cannot read dependency %s: %w", f, err)
			}
		}
	}
	return tw.close()
}
