package detect

import (
	"errors"
	"strings"
	"testing"
)

func TestPHPVersionPicksTheImage(t *testing.T) {
	cj := func(require string) string {
		return "{\n  \"name\": \"acme/php-app\",\n  \"keywords\": [\"php\"],\n  \"require\": {\n    \"php\": \"" + require + "\",\n    \"ext-json\": \"*\"\n  }\n}\n"
	}
	tests := []struct {
		name      string
		files     map[string]string
		base, src string
	}{
		{"range allows the default", map[string]string{"composer.json": cj(">=8.1")}, "php:8.3-cli", "composer.json:5"},
		{"caret", map[string]string{"composer.json": cj("^8.1")}, "php:8.3-cli", "composer.json:5"},
		{"range below the default", map[string]string{"composer.json": cj(">=7.4 <8.3")}, "php:8.2-cli", "composer.json:5"},
		{"comma and spaced operator", map[string]string{"composer.json": cj(">= 8.0, < 8.2")}, "php:8.1-cli", "composer.json:5"},
		{"alternatives", map[string]string{"composer.json": cj("^7.4 || ~8.0.0")}, "php:8.0-cli", "composer.json:5"},
		{"wildcard", map[string]string{"composer.json": cj("8.2.*")}, "php:8.2-cli", "composer.json:5"},
		{"above the default", map[string]string{"composer.json": cj(">=8.4")}, "php:8.5-cli", "composer.json:5"},
		{"config.platform.php", map[string]string{"composer.json": "{\n\"require\": {\"php\": \">=8.0\"},\n\"config\": {\n  \"platform\": {\"php\": \"8.1.27\"}\n}\n}\n"}, "php:8.1-cli", "composer.json:4"},
		{".php-version", map[string]string{"composer.json": cj(">=8.1"), ".php-version": "8.4\n"}, "php:8.4-cli", ".php-version:1"},
		{".tool-versions", map[string]string{"composer.json": cj(">=8.1"), ".tool-versions": "nodejs 22\nphp 8.2.12\n"}, "php:8.2-cli", ".tool-versions:2"},
		{"mise.toml", map[string]string{"composer.json": "{}", "mise.toml": "[tools]\nphp = \"8.4\"\n"}, "php:8.4-cli", "mise.toml:2"},
		{"nothing: the default", map[string]string{"composer.json": "{}"}, "php:8.3-cli", "devenv's default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "php")
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

func TestPHPVersionNobodyPublishes(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		at    string
	}{
		".php-version":         {map[string]string{"composer.json": "{}", ".php-version": "6.0\n"}, ".php-version:1"},
		"range allows nothing": {map[string]string{"composer.json": "{\n  \"require\": {\"php\": \">=9.0\"}\n}\n"}, "composer.json:2"},
		"unreadable range":     {map[string]string{"composer.json": "{\n  \"require\": {\"php\": \">=eight\"}\n}\n"}, "composer.json:2"},
	} {
		t.Run(name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tc.files), "php")
			if err != nil {
				t.Fatal(err)
			}
			var de *Error
			if !errors.As(st.VersionErr, &de) || (Source{File: de.File, Line: de.Line}).String() != tc.at {
				t.Fatalf("version error %v, want one at %s", st.VersionErr, tc.at)
			}
			if st.Base != "php:8.3-cli" {
				t.Errorf("base %s, want the default", st.Base)
			}
		})
	}
}

func TestComposerJSONThatDoesNotParse(t *testing.T) {
	_, err := Resolve(writeTree(t, map[string]string{"composer.json": "{\n  \"require\": {\n    \"php\": \">=8.1\",\n  }\n}\n"}), "php")
	var de *Error
	// The comma after the last member, on line 3, is what is wrong.
	if !errors.As(err, &de) || de.File != "composer.json" || de.Line != 3 {
		t.Fatalf("error %v, want one at composer.json:3", err)
	}
	if !strings.Contains(de.Msg, "not valid JSON") || !strings.Contains(de.Msg, "run devenv again") {
		t.Errorf("message %q should say what is wrong and what to do", de.Msg)
	}
}

func TestComposerGroups(t *testing.T) {
	t.Run("composer.json and composer.lock", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{"composer.json": "{}", "composer.lock": "{}"}), "php")
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Groups) != 2 {
			t.Fatalf("groups %+v, want Composer's wrapper then the install", st.Groups)
		}
		if len(st.Groups[0].Files) != 0 || !strings.Contains(st.Groups[0].Install[0], "/usr/local/bin/composer") || !strings.Contains(st.Groups[0].Install[0], "exec php /usr/bin/composer") {
			t.Errorf("first group %+v should write the composer wrapper", st.Groups[0])
		}
		g := st.Groups[1]
		if strings.Join(g.Files, ",") != "composer.json,composer.lock" {
			t.Errorf("files %v", g.Files)
		}
		if !strings.HasPrefix(g.Install[0], "composer install --no-interaction --no-progress --no-scripts --no-autoloader") {
			t.Errorf("install %q", g.Install[0])
		}
		if strings.Join(st.Packages, ",") != "composer,unzip" {
			t.Errorf("packages %v, want composer and unzip", st.Packages)
		}
		if !strings.Contains(strings.Join(st.Left, "\n"), "composer install") {
			t.Errorf("Left %q should say vendor/ is made at run time", st.Left)
		}
	})
	t.Run("no lock is said", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{"composer.json": "{}"}), "php")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(st.Groups[1].Files, ",") != "composer.json" || !strings.Contains(strings.Join(st.Left, "\n"), "no composer.lock") {
			t.Errorf("groups %+v, left %q", st.Groups, st.Left)
		}
	})
	t.Run("in a folder", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{"api/composer.json": "{}", "api/composer.lock": "{}"}), "php")
		if err != nil {
			t.Fatal(err)
		}
		g := st.Groups[1]
		if strings.Join(g.Files, ",") != "api/composer.json,api/composer.lock" || !strings.HasPrefix(g.Install[0], "cd api && composer install") {
			t.Errorf("group %+v", g)
		}
	})
}
