package env

import (
	"context"
	"fmt"

	"github.com/devenv/devenv/env/engine"
)

// resolveMachine settles what a run asks of the engine's machine: gpus = "auto"
// becomes all GPUs when the engine has a GPU runtime and none (said once) when not,
// and a platform other than the engine's is warned about. The engine is asked only
// when one of the keys needs it.
func resolveMachine(ctx context.Context, eng InfoEngine, p *Project) (*Project, []string) {
	s := p.Spec
	if !s.GPUs.Auto && s.Platform == "" {
		return p, nil
	}
	d, err := eng.Details(ctx)
	var notes []string
	if s.GPUs.Auto {
		count := 0
		switch {
		case err != nil:
			notes = append(notes, fmt.Sprintf("gpus = \"auto\": cannot ask the engine for its runtimes (%v), so the environment runs without GPUs", err))
		case d.GPURuntime():
			count = -1
		default:
			notes = append(notes, fmt.Sprintf("gpus = \"auto\": the engine at %s has no GPU runtime (%s), so the environment runs without GPUs", d.Endpoint, engine.GPUDriver))
		}
		sp := *s
		sp.GPUs = GPUs{Count: count}
		q := *p
		q.Spec = &sp
		p = &q
	}
	if err == nil {
		if n := platformNote(s.Platform, d); n != "" {
			notes = append(notes, n)
		}
	}
	return p, notes
}

// platformNote warns when platform is not the engine's own: every program then runs
// under emulation.
func platformNote(platform string, d engine.Details) string {
	want, err := engine.ParsePlatform(platform)
	if want == nil || err != nil || d.Arch == "" {
		return ""
	}
	if want.Architecture == d.Arch && (d.OS == "" || want.OS == d.OS) {
		return ""
	}
	return fmt.Sprintf("platform = %q is not the engine's own (%s/%s): everything in the environment runs under emulation, often 5 to 20 times slower, and needs the engine to have QEMU emulation set up; leave platform out to run natively", platform, orDefault(d.OS, "linux"), d.Arch)
}

// gpuCount is the GPU request of a run: auto must have been settled by resolveMachine.
func gpuCount(g GPUs) int {
	if g.Auto {
		return 0
	}
	return g.Count
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// lineEnd ends a line devenv prints while a command runs: a raw terminal needs "\r\n".
func lineEnd(tty bool) string {
	if tty {
		return "\r\n"
	}
	return "\n"
}
