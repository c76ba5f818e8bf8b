package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// devenv's labels carry values Kubernetes refuses as label values (a project's path,
// a client id with slashes). Each label is kept as it is in one annotation, and as a
// label whose value is the value itself when Kubernetes accepts it, or a digest of it:
// selecting by label compares digests, reading labels back reads the annotation.

const (
	annotationLabels = "dev.devenv.labels"
	// managedBy marks every pod devenv makes, for a look that lists them all.
	managedBy = "app.kubernetes.io/managed-by"
)

// labelValue is v as a label value: itself when valid, else "h-" and a digest.
func labelValue(v string) string {
	if len(validation.IsValidLabelValue(v)) == 0 {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "h-" + hex.EncodeToString(sum[:])[:40]
}

var keyRe = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// labelKey is k as a label key (devenv's keys are "dev.devenv.name": already valid).
func labelKey(k string) string {
	if len(validation.IsQualifiedName(k)) == 0 {
		return k
	}
	k = strings.Trim(keyRe.ReplaceAllString(k, "-"), "-._")
	if len(k) > 63 {
		k = k[:63]
	}
	return k
}

// podLabels are the labels and the annotation for devenv's labels.
func podLabels(in map[string]string) (map[string]string, map[string]string) {
	out := map[string]string{managedBy: "devenv"}
	for k, v := range in {
		out[labelKey(k)] = labelValue(v)
	}
	b, _ := json.Marshal(in)
	return out, map[string]string{annotationLabels: string(b)}
}

// selector selects by devenv's labels, as the Docker engine does: a key with an
// empty value only has to be present.
func selector(in map[string]string) string {
	set := labels.Set{managedBy: "devenv"}
	var present []string
	for k, v := range in {
		if v == "" {
			present = append(present, labelKey(k))
			continue
		}
		set[labelKey(k)] = labelValue(v)
	}
	sel := labels.SelectorFromSet(set).String()
	slices.Sort(present)
	for _, k := range present {
		sel += "," + k
	}
	return sel
}

// devenvLabels reads devenv's labels back from a pod's annotation.
func devenvLabels(annotations map[string]string) map[string]string {
	out := map[string]string{}
	_ = json.Unmarshal([]byte(annotations[annotationLabels]), &out)
	return out
}

var nameRe = regexp.MustCompile(`[^a-z0-9-]+`)

// podName is a container name as a pod name (a DNS label: lower case, digits, dashes).
func podName(name string) string {
	n := strings.Trim(nameRe.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(n) > 63 {
		sum := sha256.Sum256([]byte(name))
		n = strings.Trim(n[:50], "-") + "-" + hex.EncodeToString(sum[:])[:8]
	}
	if n == "" {
		n = "devenv"
	}
	return n
}
