package kube

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestLabelsRoundTrip(t *testing.T) {
	in := map[string]string{"dev.devenv.project": "/home/me/my project", "dev.devenv.name": "web", "dev.devenv.client": "b/1/2"}
	labels, ann := podLabels(in)
	if labels["dev.devenv.name"] != "web" {
		t.Errorf("a valid value is kept as it is: %q", labels["dev.devenv.name"])
	}
	if v := labels["dev.devenv.project"]; !strings.HasPrefix(v, "h-") || len(v) > 63 {
		t.Errorf("a path becomes a digest label value: %q", v)
	}
	if labels[managedBy] != "devenv" {
		t.Errorf("every pod is marked as devenv's: %v", labels)
	}
	back := devenvLabels(ann)
	for k, v := range in {
		if back[k] != v {
			t.Errorf("label %s read back as %q, want %q", k, back[k], v)
		}
	}
	sel := selector(map[string]string{"dev.devenv.project": "/home/me/my project"})
	if !strings.Contains(sel, "dev.devenv.project="+labels["dev.devenv.project"]) || !strings.Contains(sel, managedBy+"=devenv") {
		t.Errorf("selector %q does not select by the digest", sel)
	}
	if sel := selector(map[string]string{"dev.devenv.service": ""}); sel != managedBy+"=devenv,dev.devenv.service" {
		t.Errorf("an empty value selects on the key's presence: %q", sel)
	}
}

func TestPodName(t *testing.T) {
	for in, want := range map[string]string{"devenv-Web_App-1a2b": "devenv-web-app-1a2b", "__": "devenv"} {
		if got := podName(in); got != want {
			t.Errorf("podName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := podName(strings.Repeat("a", 80)); len(got) > 63 {
		t.Errorf("a long name is cut to a DNS label: %q", got)
	}
}

func TestSecurity(t *testing.T) {
	sc, err := securityFor("1000:1001")
	if err != nil || *sc.RunAsUser != 1000 || *sc.RunAsGroup != 1001 || *sc.FSGroup != 1001 || !*sc.RunAsNonRoot {
		t.Fatalf("securityFor(1000:1001) = %+v, %v", sc, err)
	}
	sc, err = securityFor("0:0")
	if err != nil || *sc.RunAsNonRoot {
		t.Fatalf("root only when asked for: %+v, %v", sc, err)
	}
	if _, err := securityFor("me"); err == nil {
		t.Fatal("a user name is refused: pods take numeric ids")
	}
}

func TestTolerations(t *testing.T) {
	got, err := tolerations([]string{"gpu=true:NoSchedule", "dedicated:NoExecute", "spot"})
	if err != nil {
		t.Fatal(err)
	}
	want := []corev1.Toleration{
		{Key: "gpu", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule},
		{Key: "dedicated", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: "spot", Operator: corev1.TolerationOpExists},
	}
	if !slices.Equal(got, want) {
		t.Errorf("tolerations = %+v, want %+v", got, want)
	}
	for _, bad := range []string{"gpu:Sometimes", "=x:NoSchedule"} {
		if _, err := tolerations([]string{bad}); err == nil {
			t.Errorf("%q is accepted", bad)
		}
	}
}

func TestResources(t *testing.T) {
	k := &Engine{opts: Options{CPU: "2", Memory: "4Gi"}}
	r, err := k.resources()
	if err != nil || r.Limits.Cpu().String() != "2" || r.Requests.Memory().String() != "4Gi" {
		t.Fatalf("resources = %+v, %v", r, err)
	}
	k.opts.Memory = "lots"
	if _, err := k.resources(); err == nil || !strings.Contains(err.Error(), `"lots"`) {
		t.Fatalf("a bad quantity is named: %v", err)
	}
}

func TestWithEnv(t *testing.T) {
	if got := withEnv([]string{"true"}, "", nil); !slices.Equal(got, []string{"true"}) {
		t.Errorf("nothing to set: %v", got)
	}
	got := withEnv([]string{"ls", "-l"}, "/w/src", []string{"A=1"})
	want := []string{"sh", "-c", `cd "$0" && exec env "$@"`, "/w/src", "A=1", "ls", "-l"}
	if !slices.Equal(got, want) {
		t.Errorf("withEnv = %q, want %q", got, want)
	}
}

func TestImageNames(t *testing.T) {
	for in, want := range map[string][2]string{
		"devenv/web:abc":                {"docker.io", "devenv/web:abc"},
		"busybox:devenv":                {"docker.io", "busybox:devenv"},
		"registry.example:5000/t/web:1": {"registry.example:5000", "t/web:1"},
		"localhost/x:1":                 {"localhost", "x:1"},
	} {
		if got := registryOf(in); got != want[0] {
			t.Errorf("registryOf(%q) = %q, want %q", in, got, want[0])
		}
		if got := repoPath(in); got != want[1] {
			t.Errorf("repoPath(%q) = %q, want %q", in, got, want[1])
		}
	}
	e := (&PullError{Image: "devenv/web:abc", Reason: "ErrImagePull", Message: "dial tcp: i/o timeout"}).Error()
	if !strings.Contains(e, "cannot pull docker.io/devenv/web:abc from docker.io (ErrImagePull)") {
		t.Errorf("the pull error names the image and the registry: %s", e)
	}
}
