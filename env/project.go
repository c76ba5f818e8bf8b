package env

import (
	"io"
)

// Version is devenv's version, set at link time.
var Version = "dev"

// Project is a loaded project: its spec, its Dockerfile and the image tag they give.
type Project struct {
	Spec        *Spec
	Dockerfile  string
	Fingerprint string
	Tag         string
	// TreeVolume is set when the engine cannot see the project's path: the tree is
	// mounted from this volume, kept in sync, instead of bind mounted (sync.go).
	TreeVolume string
}

// LoadProject finds devenv.toml from dir upwards and works out the project's image.
// It reads files only: no engine is needed.
func LoadProject(dir string, host Host, opt RenderOptions) (*Project, error) {
	cfgPath, err := FindConfig(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	spec, err := Resolve(cfg, host)
	if err != nil {
		return nil, err
	}
	return NewProject(spec, opt)
}

// NewProject renders and fingerprints a resolved spec.
func NewProject(spec *Spec, opt RenderOptions) (*Project, error) {
	df, err := Render(spec, opt)
	if err != nil {
		return nil, err
	}
	fp, err := Fingerprint(spec, df)
	if err != nil {
		return nil, err
	}
	tag := ImageTag(spec.Name, fp)
	if spec.Image != "" {
		tag = spec.Image // a prebuilt environment: run what the registry has
	}
	return &Project{Spec: spec, Dockerfile: df, Fingerprint: fp, Tag: tag}, nil
}

// Labels mark what devenv made for this project.
func (p *Project) Labels() map[string]string {
	return map[string]string{
		LabelProject:     p.Spec.Root,
		LabelName:        p.Spec.Name,
		LabelFingerprint: p.Fingerprint,
		LabelVersion:     Version,
	}
}

// containerLabels are Labels plus the container-only label of the given kind.
func (p *Project) containerLabels(kind string) map[string]string {
	labels := p.Labels()
	labels[LabelContainer] = kind
	return labels
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
