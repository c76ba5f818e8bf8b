package env

import (
	"fmt"
	"io"
	"strings"
)

// text is what init appends to devenv.toml for the imported files: top-level keys
// first, then [env] and the [services.NAME] tables.
func (imp *imported) text() string {
	if imp == nil || len(imp.files) == 0 && len(imp.comments) == 0 {
		return ""
	}
	var b strings.Builder
	if len(imp.files) > 0 {
		fmt.Fprintf(&b, "\n# Carried over by `devenv init` from %s.\n", strings.Join(imp.files, " and "))
	} else {
		b.WriteString("\n")
	}
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s = %s\n", k, tomlQuote(v))
		}
	}
	list := func(k string, items []string) {
		if len(items) > 0 {
			fmt.Fprintf(&b, "%s = %s\n", k, tomlStrings(items))
		}
	}
	for _, k := range [][2]string{{"base", imp.base}, {"dockerfile", imp.dockerfile}, {"context", imp.context}, {"workdir", imp.workdir}} {
		kv(k[0], k[1])
	}
	list("ports", imp.ports)
	list("pass_env", imp.passEnv)
	list("on_create", imp.onCreate)
	list("on_start", imp.onStart)
	for _, c := range imp.comments {
		fmt.Fprintf(&b, "# %s\n", c)
	}
	if len(imp.env) > 0 {
		b.WriteString("\n[env]\n")
		for _, k := range sortedKeys(imp.env) {
			fmt.Fprintf(&b, "%s = %s\n", k, tomlQuote(imp.env[k]))
		}
	}
	for _, s := range imp.services {
		fmt.Fprintf(&b, "\n[services.%s]\n", s.Name)
		kv("image", s.Image)
		kv("build", s.Build)
		list("ports", s.Ports)
		list("volumes", s.Volumes)
		kv("healthcheck", s.Healthcheck)
		kv("health_timeout", s.HealthTimeout)
		if len(s.Env) > 0 {
			var pairs []string
			for _, k := range sortedKeys(s.Env) {
				pairs = append(pairs, k+" = "+tomlQuote(s.Env[k]))
			}
			fmt.Fprintf(&b, "env = { %s }\n", strings.Join(pairs, ", "))
		}
	}
	return b.String()
}

// explain writes what was carried over and what was not.
func (imp *imported) explain(w io.Writer) {
	if imp == nil {
		return
	}
	for _, f := range imp.found {
		fmt.Fprintf(w, "found   %s\n", f)
	}
	for _, st := range imp.replaced {
		fmt.Fprintf(w, "chose   the environment of %s over the %s stack found in the project: it installs the tools itself\n", imp.environment, st.Name)
	}
	for _, c := range imp.chose {
		fmt.Fprintf(w, "chose   %s\n", c)
	}
	for _, l := range imp.left {
		fmt.Fprintf(w, "left    %s\n", l)
	}
}

// tomlQuote writes s as a TOML basic string.
func tomlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tomlStrings(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = tomlQuote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
