package env

import "context"

// clusterFindings are the cluster's own checks when the engine runs on one (the
// Kubernetes engine): its namespace, the rights devenv needs there, and how images
// reach its nodes.
func clusterFindings(ctx context.Context, eng Engine) []Finding {
	ce, ok := eng.(ClusterEngine)
	if !ok {
		return nil
	}
	var out []Finding
	for _, c := range ce.ClusterChecks(ctx) {
		out = append(out, Finding{Check: c.Name, Status: Severity(c.Status), Message: c.Message, Fix: c.Fix})
	}
	return out
}
