package kube

import (
	"context"
	"fmt"
	"strings"

	authv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Check is one of the cluster's findings for doctor: Status is ok, warn, fail or skip.
type Check struct {
	Name, Status, Message, Fix string
}

// right is what devenv asks the cluster for, and what it is for.
type right struct {
	verb, resource, sub, why string
	needed                   bool // without it devenv cannot run at all
}

var rights = []right{
	{"create", "pods", "", "start environments", true},
	{"get", "pods", "", "wait for them", true},
	{"list", "pods", "", "ps, down and clean", true},
	{"delete", "pods", "", "end them", true},
	{"create", "pods", "exec", "run and shell", true},
	{"create", "pods", "portforward", "forwarded ports (not used yet)", false},
	{"create", "persistentvolumeclaims", "", "kept trees and volumes (not used yet)", false},
}

// ClusterChecks are doctor's findings for the cluster: the namespace, the rights
// devenv needs there (a self access review each), and how images reach the cluster.
func (k *Engine) ClusterChecks(ctx context.Context) []Check {
	var out []Check
	err := k.api.getNamespace(ctx, k.ns)
	switch {
	case err == nil:
		out = append(out, Check{Name: "namespace", Status: "ok", Message: fmt.Sprintf("%s (kubeconfig context %s)", k.ns, k.context)})
	case apierrors.IsNotFound(err):
		out = append(out, Check{Name: "namespace", Status: "fail", Message: fmt.Sprintf("the namespace %s does not exist (kubeconfig context %s)", k.ns, k.context),
			Fix: fmt.Sprintf("kubectl create namespace %s, or set [kubernetes] namespace in devenv.toml", k.ns)})
	case apierrors.IsForbidden(err):
		out = append(out, Check{Name: "namespace", Status: "ok", Message: fmt.Sprintf("%s (kubeconfig context %s; this user may not read the namespace itself, which devenv does not need)", k.ns, k.context)})
	default:
		out = append(out, Check{Name: "namespace", Status: "fail", Message: oneLine(k.apiError("the namespace "+k.ns, err).Error())})
	}
	var missing, optional []string
	for _, r := range rights {
		review := &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authv1.ResourceAttributes{
			Namespace: k.ns, Verb: r.verb, Resource: r.resource, Subresource: r.sub}}}
		res, err := k.api.review(ctx, review)
		if err != nil {
			out = append(out, Check{Name: "rights", Status: "skip", Message: "the cluster does not answer access reviews: " + oneLine(err.Error())})
			missing, optional = nil, nil
			break
		}
		if res.Status.Allowed {
			continue
		}
		what := r.verb + " " + r.resource
		if r.sub != "" {
			what += "/" + r.sub
		}
		what += " (" + r.why + ")"
		if r.needed {
			missing = append(missing, what)
		} else {
			optional = append(optional, what)
		}
	}
	switch {
	case len(missing) > 0:
		out = append(out, Check{Name: "rights", Status: "fail", Message: fmt.Sprintf("in namespace %s this user may not: %s", k.ns, strings.Join(missing, ", ")),
			Fix: "ask the cluster's administrator for a Role with these verbs in the namespace (docs/KUBERNETES.md lists them)"})
	case len(optional) > 0:
		out = append(out, Check{Name: "rights", Status: "warn", Message: fmt.Sprintf("in namespace %s this user may run environments but not: %s", k.ns, strings.Join(optional, ", "))})
	case len(out) == 1:
		out = append(out, Check{Name: "rights", Status: "ok", Message: "pods, pods/exec, pods/portforward and persistentvolumeclaims in namespace " + k.ns})
	}
	switch {
	case k.opts.Registry != "":
		out = append(out, Check{Name: "image transfer", Status: "ok", Message: "images are pushed to " + k.opts.Registry + " for the cluster to pull"})
	case k.opts.Load != "":
		out = append(out, Check{Name: "image transfer", Status: "ok", Message: "images are loaded into the nodes with: " + k.opts.Load})
	default:
		out = append(out, Check{Name: "image transfer", Status: "warn", Message: "no registry and no load command: the cluster must already be able to pull the images devenv builds",
			Fix: "set [kubernetes] registry in devenv.toml (or DEVENV_KUBE_REGISTRY), or DEVENV_KUBE_LOAD for a local cluster (kind load docker-image)"})
	}
	return out
}
