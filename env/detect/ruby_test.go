package detect

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRubyVersionPicksTheImage(t *testing.T) {
	gemfile := "source \"https://rubygems.org\"\n"
	tests := []struct {
		name      string
		files     map[string]string
		base, src string
	}{
		{".ruby-version", map[string]string{"Gemfile": gemfile, ".ruby-version": "3.2.2\n"}, "ruby:3.2-slim", ".ruby-version:1"},
		{".ruby-version with ruby- prefix", map[string]string{"Gemfile": gemfile, ".ruby-version": "ruby-3.3.0\n"}, "ruby:3.3-slim", ".ruby-version:1"},
		{"Gemfile ruby line", map[string]string{"Gemfile": gemfile + "\nruby \"3.2.2\"\n"}, "ruby:3.2-slim", "Gemfile:3"},
		{"Gemfile ruby line with engine", map[string]string{"Gemfile": gemfile + "ruby '3.1.4', engine: 'ruby', engine_version: '3.1.4'\n"}, "ruby:3.1-slim", "Gemfile:2"},
		{"Gemfile pessimistic requirement", map[string]string{"Gemfile": gemfile + "ruby \"~> 3.2.0\"\n"}, "ruby:3.2-slim", "Gemfile:2"},
		{"Gemfile range allows the default", map[string]string{"Gemfile": gemfile + "ruby \">= 3.1\", \"< 4\"\n"}, "ruby:3.4-slim", "Gemfile:2"},
		{"Gemfile range below the default", map[string]string{"Gemfile": gemfile + "ruby \">= 3.0\", \"< 3.3\"\n"}, "ruby:3.2-slim", "Gemfile:2"},
		{"Gemfile ruby file:", map[string]string{"Gemfile": gemfile + "ruby file: \".ruby-version\"\n", ".ruby-version": "# pinned\n3.3.5\n"}, "ruby:3.3-slim", ".ruby-version:2"},
		{"Gemfile ruby file: .tool-versions", map[string]string{"Gemfile": gemfile + "ruby file: \".tool-versions\"\n", ".tool-versions": "nodejs 22\nruby 3.2.1\n"}, "ruby:3.2-slim", ".tool-versions:2"},
		{".ruby-version before Gemfile", map[string]string{"Gemfile": gemfile + "ruby \"3.2.2\"\n", ".ruby-version": "3.3\n"}, "ruby:3.3-slim", ".ruby-version:1"},
		{".tool-versions", map[string]string{"Gemfile": gemfile, ".tool-versions": "ruby 3.1.6\n"}, "ruby:3.1-slim", ".tool-versions:1"},
		{"mise.toml", map[string]string{"Gemfile": gemfile, "mise.toml": "[tools]\nruby = \"3.3\"\n"}, "ruby:3.3-slim", "mise.toml:2"},
		{"Gemfile.lock RUBY VERSION", map[string]string{"Gemfile": gemfile, "Gemfile.lock": "GEM\n  specs:\n\nRUBY VERSION\n   ruby 3.2.2p53\n\nBUNDLED WITH\n   2.4.10\n"}, "ruby:3.2-slim", "Gemfile.lock:5"},
		{"RUBY_VERSION constant: the default", map[string]string{"Gemfile": gemfile + "ruby RUBY_VERSION\n"}, "ruby:3.4-slim", "devenv's default"},
		{"nothing: the default", map[string]string{"Gemfile": gemfile}, "ruby:3.4-slim", "devenv's default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "ruby")
			if err != nil {
				t.Fatal(err)
			}
			if st.VersionErr != nil {
				t.Fatalf("version error: %v", st.VersionErr)
			}
			if st.Base != tt.base || st.Version.Source.String() != tt.src {
				t.Errorf("base %s from %s, want %s from %s", st.Base, st.Version.Source, tt.base, tt.src)
			}
			if tt.src != "devenv's default" && !strings.Contains(strings.Join(st.Found, "\n"), tt.src) {
				t.Errorf("Found %q does not say where the version came from (%s)", st.Found, tt.src)
			}
		})
	}
}

func TestRubyVersionNobodyPublishes(t *testing.T) {
	for name, files := range map[string]map[string]string{
		".ruby-version":  {"Gemfile": "source \"https://rubygems.org\"\n", ".ruby-version": "2.9.1\n"},
		"Gemfile ruby":   {"Gemfile": "source \"https://rubygems.org\"\n\nruby \"2.9.1\"\n"},
		"another engine": {"Gemfile": "source \"https://rubygems.org\"\n", ".ruby-version": "jruby-9.4.5.0\n"},
	} {
		t.Run(name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, files), "ruby")
			if err != nil {
				t.Fatal(err)
			}
			var de *Error
			if !errors.As(st.VersionErr, &de) || de.Line == 0 {
				t.Fatalf("version error %v, want one placed at a line", st.VersionErr)
			}
			if !strings.Contains(de.Error(), "9") || !strings.Contains(de.Msg, "Ruby") {
				t.Errorf("message %q should name the version", de.Error())
			}
			if st.Base != "ruby:3.4-slim" {
				t.Errorf("base %s, want the default", st.Base)
			}
		})
	}
}

func TestRubyRangeNothingAllows(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{"Gemfile": "ruby \">= 5.0\"\n"}), "ruby")
	if err != nil {
		t.Fatal(err)
	}
	var de *Error
	if !errors.As(st.VersionErr, &de) || de.File != "Gemfile" || de.Line != 1 || !strings.Contains(de.Msg, "allows no release") {
		t.Fatalf("version error %v, want Gemfile:1 allowing no release", st.VersionErr)
	}
}

func TestRubyFileThatIsMissing(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{"Gemfile": "source \"x\"\nruby file: \".ruby-version\"\n"}), "ruby")
	if err != nil {
		t.Fatal(err)
	}
	var de *Error
	if !errors.As(st.VersionErr, &de) || de.File != "Gemfile" || de.Line != 2 {
		t.Fatalf("version error %v, want one at Gemfile:2", st.VersionErr)
	}
}

func TestBundlerGroups(t *testing.T) {
	lock := "GEM\n  remote: https://rubygems.org/\n  specs:\n    rake (13.2.1)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rake\n\nBUNDLED WITH\n   2.5.22\n"
	t.Run("Gemfile and Gemfile.lock", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{"Gemfile": "source \"https://rubygems.org\"\ngem \"rake\"\n", "Gemfile.lock": lock}), "ruby")
		if err != nil {
			t.Fatal(err)
		}
		want := []Group{{Files: []string{"Gemfile", "Gemfile.lock"}, Install: []string{"BUNDLE_FROZEN=true bundle install"}}}
		if !reflect.DeepEqual(st.Groups, want) {
			t.Errorf("groups %+v, want %+v", st.Groups, want)
		}
		if !strings.Contains(strings.Join(st.Found, "\n"), "bundled with Bundler 2.5.22 (Gemfile.lock:13)") {
			t.Errorf("Found %q should name the Bundler version and its line", st.Found)
		}
		if len(st.Packages) != 0 {
			t.Errorf("packages %v for gems that compile nothing", st.Packages)
		}
	})
	t.Run("no lock: resolved at build, and said so", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{"Gemfile": "gem \"rake\"\n"}), "ruby")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(st.Groups, []Group{{Files: []string{"Gemfile"}, Install: []string{"bundle install"}}}) {
			t.Errorf("groups %+v", st.Groups)
		}
		if !strings.Contains(strings.Join(st.Left, "\n"), "bundle lock") {
			t.Errorf("Left %q should say to make a lock", st.Left)
		}
	})
	t.Run("in a folder", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{"api/Gemfile": "gem \"rake\"\n", "api/Gemfile.lock": lock}), "ruby")
		if err != nil {
			t.Fatal(err)
		}
		want := []Group{{Files: []string{"api/Gemfile", "api/Gemfile.lock"}, Install: []string{"cd api && BUNDLE_FROZEN=true bundle install"}}}
		if !reflect.DeepEqual(st.Groups, want) {
			t.Errorf("groups %+v, want %+v", st.Groups, want)
		}
	})
	t.Run("native gems need a compiler", func(t *testing.T) {
		native := strings.Replace(lock, "    rake (13.2.1)\n", "    pg (1.5.9)\n    rake (13.2.1)\n", 1)
		st, err := Resolve(writeTree(t, map[string]string{"Gemfile": "gem \"pg\"\n", "Gemfile.lock": native}), "ruby")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(st.Packages, []string{"build-essential", "libpq-dev"}) {
			t.Errorf("packages %v, want build-essential and libpq-dev", st.Packages)
		}
	})
}

func TestBundlerGemspec(t *testing.T) {
	t.Run("require_relative version file", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{
			"Gemfile":              "source \"https://rubygems.org\"\n\ngemspec\n",
			"Gemfile.lock":         "PATH\n  remote: .\n  specs:\n    mygem (1.0.0)\n",
			"mygem.gemspec":        "require_relative \"lib/mygem/version\"\nGem::Specification.new { |s| s.version = Mygem::VERSION }\n",
			"lib/mygem/version.rb": "module Mygem; VERSION = \"1.0.0\"; end\n",
			"lib/mygem.rb":         "",
		}), "ruby")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Gemfile", "Gemfile.lock", "lib/mygem/version.rb", "mygem.gemspec"}
		if len(st.Groups) != 1 || !reflect.DeepEqual(st.Groups[0].Files, want) {
			t.Errorf("groups %+v, want files %v", st.Groups, want)
		}
		if !strings.Contains(strings.Join(st.Found, "\n"), "gemspec in Gemfile:3") {
			t.Errorf("Found %q should name the gemspec line", st.Found)
		}
	})
	t.Run("require with lib on the load path", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{
			"Gemfile":              "gemspec\n",
			"mygem.gemspec":        "lib = File.expand_path('lib', __dir__)\n$LOAD_PATH.unshift(lib)\nrequire 'mygem/version'\n",
			"lib/mygem/version.rb": "",
		}), "ruby")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Gemfile", "lib/mygem/version.rb", "mygem.gemspec"}
		if len(st.Groups) != 1 || !reflect.DeepEqual(st.Groups[0].Files, want) {
			t.Errorf("groups %+v, want files %v", st.Groups, want)
		}
	})
	t.Run("version file not found is left to the user", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{
			"Gemfile":       "gemspec\n",
			"mygem.gemspec": "require_relative \"lib/mygem/version\"\n",
		}), "ruby")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(st.Left, "\n"), "mygem.gemspec loads a version file") {
			t.Errorf("Left %q should name the gemspec", st.Left)
		}
	})
	t.Run("gemspec line without a gemspec", func(t *testing.T) {
		_, err := Resolve(writeTree(t, map[string]string{"Gemfile": "source \"https://rubygems.org\"\ngemspec\n"}), "ruby")
		var de *Error
		if !errors.As(err, &de) || de.File != "Gemfile" || de.Line != 2 || !strings.Contains(de.Msg, "*.gemspec") {
			t.Fatalf("error %v, want Gemfile:2 naming the missing gemspec", err)
		}
	})
}

func TestGemspecReadsItsVersionFile(t *testing.T) {
	root := writeTree(t, map[string]string{
		"Gemfile":        "source 'https://rubygems.org'\ngemspec\n",
		"app.gemspec":    "version = File.read(File.expand_path('VERSION', __dir__)).strip\nGem::Specification.new { |s| s.version = version }\n",
		"VERSION":        "4.1.0\n",
		"lib/app/run.rb": "",
	})
	st, err := Resolve(root, "ruby")
	if err != nil {
		t.Fatal(err)
	}
	if files := strings.Join(st.Groups[0].Files, " "); !strings.Contains(files, "VERSION") {
		t.Errorf("files %q lack the VERSION file the gemspec reads", files)
	}
}
