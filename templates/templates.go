// Package templates holds the Dockerfile templates devenv renders, embedded in the
// binary: dockerfile.tmpl is the layer order every stack shares, and <stack>.tmpl
// defines the "stack" block with that stack's own environment.
package templates

import "embed"

//go:embed *.tmpl
var FS embed.FS
