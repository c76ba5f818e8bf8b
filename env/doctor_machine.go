package env

import (
	"fmt"

	"github.com/devenv/devenv/env/engine"
)

// machineFindings are doctor's word on GPUs (whether the engine has a GPU runtime,
// and whether the project's gpus key can be met) and, when the project sets one, on
// its platform. p may be nil: no project.
func machineFindings(d *engine.Details, p *Project) []Finding {
	if d == nil {
		return []Finding{{Check: "gpu", Status: SeveritySkip, Message: "cannot ask the engine for its runtimes without the engine"}}
	}
	var asked *GPUs
	if p != nil && (p.Spec.GPUs.Auto || p.Spec.GPUs.Count != 0) {
		asked = &p.Spec.GPUs
	}
	var out []Finding
	switch {
	case d.GPURuntime():
		out = append(out, Finding{Check: "gpu", Status: SeverityOK, Message: fmt.Sprintf("the engine has a GPU runtime (%s)", engine.GPUDriver)})
	case asked == nil:
		out = append(out, Finding{Check: "gpu", Status: SeverityOK, Message: fmt.Sprintf("the engine has no GPU runtime (%s); the project asks for no GPUs", engine.GPUDriver)})
	case asked.Auto:
		out = append(out, Finding{Check: "gpu", Status: SeverityWarn,
			Message: fmt.Sprintf("gpus = \"auto\" but the engine at %s has no GPU runtime (%s): the environment runs without GPUs", d.Endpoint, engine.GPUDriver),
			Fix:     "install the NVIDIA Container Toolkit on the engine's machine to use its GPUs"})
	default:
		out = append(out, Finding{Check: "gpu", Status: SeverityFail,
			Message: fmt.Sprintf("gpus = %s but the engine at %s has no GPU runtime (%s): shell and run will fail to start", asked, d.Endpoint, engine.GPUDriver),
			Fix:     "install the NVIDIA Container Toolkit on the engine's machine, or set gpus = \"auto\" in devenv.toml"})
	}
	if p != nil && p.Spec.Platform != "" {
		if n := platformNote(p.Spec.Platform, *d); n != "" {
			out = append(out, Finding{Check: "platform", Status: SeverityWarn, Message: n})
		} else {
			out = append(out, Finding{Check: "platform", Status: SeverityOK, Message: fmt.Sprintf("platform = %q is the engine's own", p.Spec.Platform)})
		}
	}
	return out
}
