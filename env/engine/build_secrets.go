package engine

import (
	"archive/tar"
	"errors"
	"io"
	"maps"
	"path"
	"slices"
	"time"
)

// A builder without a BuildKit session (Podman's buildah, through its compatible
// /build endpoint) has no way to be handed a secret during a build, but it runs
// `RUN --mount=type=bind,source=...` from the build context, as BuildKit does. The
// secrets then travel in the context, under ContextSecretPath, which is where podman's
// own remote client puts them too: the context is unpacked in a temporary folder on
// the engine's machine and removed after the build, and a bind mount's file never
// enters a layer. The Dockerfile devenv renders for such a builder mounts them from
// there (env/render.go).

// contextSecretDir is the context's folder of secrets.
const contextSecretDir = ".devenv-secrets"

// ContextSecretPath is where the secret id lies in the build context of a builder
// without a session.
func ContextSecretPath(id string) string { return path.Join(contextSecretDir, id) }

// withContextSecrets is the tar stream ctx with each secret added as a file readable
// only by its owner (the builder's root) under ContextSecretPath.
func withContextSecrets(ctx io.Reader, secrets map[string][]byte) io.Reader {
	if err := checkSecrets(secrets); err != nil {
		return errReader{err}
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(appendSecrets(pw, ctx, secrets)) }()
	return pr
}

// appendSecrets copies the tar stream in to out, then the secrets, then the end.
func appendSecrets(out io.Writer, in io.Reader, secrets map[string][]byte) error {
	tr, tw := tar.NewReader(in), tar.NewWriter(out)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: contextSecretDir + "/", Typeflag: tar.TypeDir, Mode: 0o700, ModTime: time.Unix(0, 0)}); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(secrets)) {
		v := secrets[id]
		hdr := &tar.Header{Name: ContextSecretPath(id), Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(v)), ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(v); err != nil {
			return err
		}
	}
	return tw.Close()
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
