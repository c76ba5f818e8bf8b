package detect

import (
	"strings"
	"testing"
)

func TestToolVersionFiles(t *testing.T) {
	root := writeTree(t, map[string]string{
		".tool-versions": "# pinned\nnodejs 22.11.0\npython 3.12.7 3.11.9\n",
		"mise.toml":      "[env]\nX = \"1\"\n\n[tools]\ngo = \"1.25\"\nruby = [\"3.3\", \"3.2\"]\njava = { version = \"temurin-21\" }\n",
	})
	p := NewProbe(root)
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"nodejs", "node"}, "22.11.0 (from .tool-versions:2)"},
		{[]string{"python"}, "3.12.7 (from .tool-versions:3)"},
		{[]string{"golang", "go"}, "1.25 (from mise.toml:5)"},
		{[]string{"ruby"}, "3.3 (from mise.toml:6)"},
		{[]string{"java"}, "temurin-21 (from mise.toml:7)"},
	}
	for _, tt := range tests {
		v, ok := p.toolVersion("", tt.names...)
		if !ok || v.String() != tt.want {
			t.Errorf("%v: %q %v, want %q", tt.names, v.String(), ok, tt.want)
		}
	}
	if _, ok := p.toolVersion("", "rust"); ok {
		t.Error("rust found in files that do not name it")
	}
}

func TestPickRelease(t *testing.T) {
	known := lines("3.10", "3.11", "3.12")
	src := Version{Source: Source{File: ".python-version", Line: 1}}
	for _, tt := range []struct{ in, want, err string }{
		{"3.12.4", "3.12", ""},
		{"3.11", "3.11", ""},
		{"3", "3.12", ""},
		{"v3.10.1", "3.10", ""},
		{"3.99", "", ".python-version:1: Python 3.99 is not a released version devenv knows (newest: 3.12)"},
		{"pypy", "", "is not a version number"},
	} {
		v := src
		v.Value = tt.in
		r, err := pickRelease("Python", v, known)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || r.String() != tt.want {
			t.Errorf("%q: %v %v, want %s", tt.in, r, err, tt.want)
		}
	}
}

func TestPEP440Ranges(t *testing.T) {
	known := lines("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
	def := release{3, 13}
	for _, tt := range []struct{ spec, want string }{
		{">=3.9", "3.13"},
		{">=3.10,<3.13", "3.12"},
		{"<3.12,>=3.8", "3.11"},
		{"~=3.10", "3.13"},
		{"~=3.10.2", "3.10"},
		{"==3.11.*", "3.11"},
		{"^3.9", "3.13"},
		{">=3.8, !=3.13.*", "3.14"},
		{">3.13.0", "3.13"},
	} {
		r, err := pickInRange("Python", tt.spec, Source{}, known, def)
		if err != nil || r.String() != tt.want {
			t.Errorf("%q: %v %v, want %s", tt.spec, r, err, tt.want)
		}
	}
	if _, err := pickInRange("Python", ">=4.0", Source{File: "pyproject.toml", Line: 3}, known, def); err == nil || !strings.Contains(err.Error(), "pyproject.toml:3:") {
		t.Errorf(">=4.0: %v", err)
	}
}
