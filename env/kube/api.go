package kube

import (
	"context"
	"sync"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
)

// api is the part of the Kubernetes API devenv uses (pods, their exec, logs and port
// forwarding, namespaces, nodes, self access reviews), through REST clients whose scheme
// knows only core/v1 and authorization/v1. client-go's generated clientset would link
// and register every API group of Kubernetes, which every devenv command would pay for
// at start-up (about 15 ms here, twice the binary), Kubernetes or not.
type api struct {
	core  *rest.RESTClient // /api/v1
	authz *rest.RESTClient // /apis/authorization.k8s.io/v1
}

var (
	schemeOnce     sync.Once
	apiScheme      *runtime.Scheme
	apiCodecs      serializer.CodecFactory
	parameterCodec runtime.ParameterCodec
)

// loadScheme builds the scheme on first use, not at start-up.
func loadScheme() {
	schemeOnce.Do(func() {
		apiScheme = runtime.NewScheme()
		if err := corev1.AddToScheme(apiScheme); err != nil {
			panic(err) // the generated registrations cannot fail
		}
		if err := authv1.AddToScheme(apiScheme); err != nil {
			panic(err)
		}
		apiCodecs = serializer.NewCodecFactory(apiScheme)
		parameterCodec = runtime.NewParameterCodec(apiScheme)
	})
}

func newAPI(rc *rest.Config) (*api, error) {
	loadScheme()
	core := rest.CopyConfig(rc)
	core.APIPath = "/api"
	core.GroupVersion = &corev1.SchemeGroupVersion
	core.NegotiatedSerializer = apiCodecs.WithoutConversion()
	c, err := rest.RESTClientFor(core)
	if err != nil {
		return nil, err
	}
	authz := rest.CopyConfig(rc)
	authz.APIPath = "/apis"
	authz.GroupVersion = &authv1.SchemeGroupVersion
	authz.NegotiatedSerializer = apiCodecs.WithoutConversion()
	a, err := rest.RESTClientFor(authz)
	if err != nil {
		return nil, err
	}
	return &api{core: c, authz: a}, nil
}

func (a *api) getNamespace(ctx context.Context, name string) error {
	return a.core.Get().Resource("namespaces").Name(name).Do(ctx).Error()
}

func (a *api) review(ctx context.Context, r *authv1.SelfSubjectAccessReview) (*authv1.SelfSubjectAccessReview, error) {
	out := &authv1.SelfSubjectAccessReview{}
	err := a.authz.Post().Resource("selfsubjectaccessreviews").Body(r).Do(ctx).Into(out)
	return out, err
}

func (a *api) listNodes(ctx context.Context) (*corev1.NodeList, error) {
	out := &corev1.NodeList{}
	err := a.core.Get().Resource("nodes").Do(ctx).Into(out)
	return out, err
}

func (a *api) listPods(ctx context.Context, ns, selector string) (*corev1.PodList, error) {
	out := &corev1.PodList{}
	err := a.core.Get().Namespace(ns).Resource("pods").
		VersionedParams(&metav1.ListOptions{LabelSelector: selector}, parameterCodec).Do(ctx).Into(out)
	return out, err
}

func (a *api) getPod(ctx context.Context, ns, name string) (*corev1.Pod, error) {
	out := &corev1.Pod{}
	err := a.core.Get().Namespace(ns).Resource("pods").Name(name).Do(ctx).Into(out)
	return out, err
}

func (a *api) createPod(ctx context.Context, ns string, pod *corev1.Pod) (*corev1.Pod, error) {
	out := &corev1.Pod{}
	err := a.core.Post().Namespace(ns).Resource("pods").Body(pod).Do(ctx).Into(out)
	return out, err
}

func (a *api) deletePod(ctx context.Context, ns, name string, grace int64) error {
	return a.core.Delete().Namespace(ns).Resource("pods").Name(name).
		Body(&metav1.DeleteOptions{GracePeriodSeconds: &grace}).Do(ctx).Error()
}

func (a *api) podLogs(ctx context.Context, ns, name string, opts *corev1.PodLogOptions) ([]byte, error) {
	return a.core.Get().Namespace(ns).Resource("pods").Name(name).SubResource("log").
		VersionedParams(opts, parameterCodec).DoRaw(ctx)
}

// podSub is the request for a pod's exec or portforward subresource.
func (a *api) podSub(ns, name, sub string) *rest.Request {
	return a.core.Post().Namespace(ns).Resource("pods").Name(name).SubResource(sub)
}
