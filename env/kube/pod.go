package kube

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenv/devenv/env/engine"
)

// containerName is the pod's one container.
const containerName = "dev"

// keepAlive holds the pod up while commands run in it with exec; it ends at once on
// SIGTERM (a shell in the foreground of PID 1 would hold it for the grace period).
var keepAlive = []string{"sh", "-c", `trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done`}

// upload is a host directory that becomes an emptyDir in the pod, filled at start.
type upload struct{ source, target string }

// podFor is the pod of a run request: devenv's labels, the host user's UID and GID
// (root only when the environment's user is root), the working tree's directories as
// emptyDirs filled from the host, the user's resources, node selector and
// tolerations. It returns the host directories to upload and what was left out.
func (k *Engine) podFor(req engine.RunRequest, image string, cmd []string) (*corev1.Pod, []upload, []string, error) {
	labels, annotations := podLabels(req.Labels)
	c := corev1.Container{
		Name: containerName, Image: image, Command: cmd,
		ImagePullPolicy: corev1.PullIfNotPresent, // tags are content addressed: never stale
		Stdin:           false, TTY: false,
	}
	for _, kv := range req.Env {
		name, val, _ := strings.Cut(kv, "=")
		c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: val})
	}
	sc, err := securityFor(req.User)
	if err != nil {
		return nil, nil, nil, err
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: podName(req.Name), Namespace: k.ns, Labels: labels, Annotations: annotations},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			SecurityContext:               sc,
			TerminationGracePeriodSeconds: ptr(int64(2)),
			AutomountServiceAccountToken:  ptr(false),
			NodeSelector:                  k.opts.NodeSelector,
			EnableServiceLinks:            ptr(false),
		},
	}
	var uploads []upload
	var left []string
	for i, m := range req.Mounts {
		if m.Volume {
			left = append(left, m.Target)
			continue
		}
		st, err := os.Stat(m.Source)
		if err != nil || !st.IsDir() {
			left = append(left, m.Target)
			continue
		}
		name := "tree-" + strconv.Itoa(i)
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: m.Target})
		uploads = append(uploads, upload{source: m.Source, target: m.Target})
	}
	if c.Resources, err = k.resources(); err != nil {
		return nil, nil, nil, err
	}
	if pod.Spec.Tolerations, err = tolerations(k.opts.Tolerations); err != nil {
		return nil, nil, nil, err
	}
	pod.Spec.Containers = []corev1.Container{c}
	return pod, uploads, left, nil
}

func ptr[T any](v T) *T { return &v }

// securityFor runs the pod as "uid:gid": its volumes are group-owned by gid (fsGroup);
// a non-root user is enforced by the kubelet (runAsNonRoot).
func securityFor(user string) (*corev1.PodSecurityContext, error) {
	if user == "" {
		return nil, nil
	}
	us, gs, _ := strings.Cut(user, ":")
	uid, err1 := strconv.ParseInt(us, 10, 64)
	gid, err2 := strconv.ParseInt(cmpOr(gs, us), 10, 64)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("the Kubernetes engine runs pods as a numeric uid:gid, not %q", user)
	}
	return &corev1.PodSecurityContext{RunAsUser: &uid, RunAsGroup: &gid, FSGroup: &gid, RunAsNonRoot: ptr(uid != 0)}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// resources are the user's cpu and memory as the pod's request and limit both: the
// environment gets what it asked for and no more.
func (k *Engine) resources() (corev1.ResourceRequirements, error) {
	r := corev1.ResourceRequirements{}
	list := corev1.ResourceList{}
	for name, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: k.opts.CPU, corev1.ResourceMemory: k.opts.Memory} {
		if v == "" {
			continue
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return r, fmt.Errorf("kubernetes %s = %q is not a Kubernetes quantity (like \"2\", \"500m\", \"4Gi\")", name, v)
		}
		list[name] = q
	}
	if len(list) > 0 {
		r.Requests, r.Limits = list, list
	}
	return r, nil
}

// tolerations reads "key=value:Effect", "key:Effect", "key=value" and "key".
func tolerations(in []string) ([]corev1.Toleration, error) {
	var out []corev1.Toleration
	for _, t := range in {
		kv, effect, _ := strings.Cut(t, ":")
		key, val, hasVal := strings.Cut(kv, "=")
		tol := corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffect(effect)}
		if hasVal {
			tol.Operator, tol.Value = corev1.TolerationOpEqual, val
		}
		switch tol.Effect {
		case "", corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			return nil, fmt.Errorf("toleration %q: the effect must be NoSchedule, PreferNoSchedule or NoExecute", t)
		}
		if key == "" {
			return nil, fmt.Errorf("toleration %q has no key (write key=value:Effect)", t)
		}
		out = append(out, tol)
	}
	return out, nil
}
