package detect

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// No .NET SDK is available on the machines devenv is built on: these unit tests are
// the .NET stack's whole proof (see dotnet.go).

func csproj(tfm string) string {
	return "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    " + tfm + "\n  </PropertyGroup>\n</Project>\n"
}

const twoProjectSln = `
Microsoft Visual Studio Solution File, Format Version 12.00
Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "App", "src\App\App.csproj", "{11111111-1111-1111-1111-111111111111}"
EndProject
Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "App.Tests", "test\App.Tests\App.Tests.csproj", "{22222222-2222-2222-2222-222222222222}"
EndProject
Project("{2150E333-8FDC-42A3-9474-1A3956D46DE8}") = "Solution Items", "Solution Items", "{33333333-3333-3333-3333-333333333333}"
EndProject
`

func TestDotnetVersionPicksTheImage(t *testing.T) {
	tests := []struct {
		name      string
		files     map[string]string
		base, src string
	}{
		{"TargetFramework", map[string]string{"App.csproj": csproj("<TargetFramework>net8.0</TargetFramework>")}, "mcr.microsoft.com/dotnet/sdk:8.0", "App.csproj:3"},
		{"TargetFrameworks: the newest", map[string]string{"Lib.fsproj": csproj("<TargetFrameworks>netstandard2.0;net6.0;net9.0</TargetFrameworks>")}, "mcr.microsoft.com/dotnet/sdk:9.0", "Lib.fsproj:3"},
		{"netcoreapp", map[string]string{"Old.csproj": csproj("<TargetFramework>netcoreapp3.1</TargetFramework>")}, "mcr.microsoft.com/dotnet/sdk:3.1", "Old.csproj:3"},
		{"projects a solution names", map[string]string{"App.sln": twoProjectSln,
			"src/App/App.csproj":              csproj("<TargetFramework>net8.0</TargetFramework>"),
			"test/App.Tests/App.Tests.csproj": csproj("<TargetFramework>net9.0</TargetFramework>")}, "mcr.microsoft.com/dotnet/sdk:9.0", "test/App.Tests/App.Tests.csproj:3"},
		{"global.json sdk.version", map[string]string{"global.json": "{\n  \"sdk\": {\n    \"version\": \"8.0.404\",\n    \"rollForward\": \"latestFeature\"\n  }\n}\n",
			"App.csproj": csproj("<TargetFramework>net9.0</TargetFramework>")}, "mcr.microsoft.com/dotnet/sdk:8.0", "global.json:3"},
		{"Directory.Build.props", map[string]string{"App.csproj": csproj(""), "Directory.Build.props": "<Project>\n<PropertyGroup><TargetFramework>net7.0</TargetFramework></PropertyGroup>\n</Project>\n"}, "mcr.microsoft.com/dotnet/sdk:7.0", "Directory.Build.props:2"},
		{".tool-versions", map[string]string{"App.csproj": csproj(""), ".tool-versions": "dotnet 9.0.100\n"}, "mcr.microsoft.com/dotnet/sdk:9.0", ".tool-versions:1"},
		{"only netstandard: the default", map[string]string{"Lib.csproj": csproj("<TargetFramework>netstandard2.1</TargetFramework>")}, "mcr.microsoft.com/dotnet/sdk:10.0", "devenv's default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "dotnet")
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

func TestDotnetVersionNobodyPublishes(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{"global.json": "{\"sdk\": {\"version\": \"4.0.100\"}}\n", "App.csproj": csproj("")}), "dotnet")
	if err != nil {
		t.Fatal(err)
	}
	var de *Error
	if !errors.As(st.VersionErr, &de) || de.File != "global.json" || de.Line != 1 || !strings.Contains(de.Msg, "4.0.100") {
		t.Fatalf("version error %v, want global.json:1 naming 4.0.100", st.VersionErr)
	}
	if st.Base != "mcr.microsoft.com/dotnet/sdk:10.0" {
		t.Errorf("base %s, want the default", st.Base)
	}
}

func TestGlobalJSONThatDoesNotParse(t *testing.T) {
	_, err := Resolve(writeTree(t, map[string]string{"global.json": "{\n  \"sdk\": {\n    \"version\": 8.0.100\n  }\n}\n", "App.csproj": csproj("")}), "dotnet")
	var de *Error
	if !errors.As(err, &de) || de.File != "global.json" || de.Line != 3 {
		t.Fatalf("error %v, want one at global.json:3", err)
	}
}

func TestDotnetRestore(t *testing.T) {
	t.Run("solution: every project and the files that shape a restore", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{
			"App.sln":                         twoProjectSln,
			"src/App/App.csproj":              csproj("<TargetFramework>net8.0</TargetFramework>"),
			"src/App/packages.lock.json":      "{}",
			"src/App/Program.cs":              "",
			"test/App.Tests/App.Tests.csproj": csproj("<TargetFramework>net8.0</TargetFramework>"),
			"Directory.Build.props":           "<Project/>",
			"Directory.Packages.props":        "<Project/>",
			"NuGet.config":                    "<configuration/>",
			"global.json":                     "{\"sdk\": {\"version\": \"8.0.100\"}}",
		}), "dotnet")
		if err != nil {
			t.Fatal(err)
		}
		want := []Group{{Files: []string{"App.sln", "Directory.Build.props", "Directory.Packages.props", "NuGet.config", "global.json",
			"src/App/App.csproj", "src/App/packages.lock.json", "test/App.Tests/App.Tests.csproj"},
			Install: []string{`dotnet restore App.sln && chmod -R a+rwX "$NUGET_PACKAGES"`}}}
		if !reflect.DeepEqual(st.Groups, want) {
			t.Errorf("groups\n%+v\nwant\n%+v", st.Groups, want)
		}
	})
	t.Run("projects without a solution", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{"svc/Api.csproj": csproj("<TargetFramework>net8.0</TargetFramework>"), "svc/Api.Tests.fsproj": csproj("<TargetFramework>net8.0</TargetFramework>")}), "dotnet")
		if err != nil {
			t.Fatal(err)
		}
		want := []Group{{Files: []string{"svc/Api.Tests.fsproj", "svc/Api.csproj"},
			Install: []string{`cd svc && dotnet restore Api.Tests.fsproj && dotnet restore Api.csproj && chmod -R a+rwX "$NUGET_PACKAGES"`}}}
		if !reflect.DeepEqual(st.Groups, want) {
			t.Errorf("groups\n%+v\nwant\n%+v", st.Groups, want)
		}
	})
	t.Run("a project the solution names is missing", func(t *testing.T) {
		_, err := Resolve(writeTree(t, map[string]string{"App.sln": twoProjectSln, "src/App/App.csproj": csproj("")}), "dotnet")
		var de *Error
		if !errors.As(err, &de) || de.File != "App.sln" || de.Line != 5 || !strings.Contains(de.Msg, "App.Tests.csproj") {
			t.Fatalf("error %v, want App.sln:5 naming the missing project", err)
		}
	})
	t.Run("slnx", func(t *testing.T) {
		st, err := Resolve(writeTree(t, map[string]string{
			"App.slnx":           "<Solution>\n  <Project Path=\"src/App/App.csproj\" />\n</Solution>\n",
			"src/App/App.csproj": csproj("<TargetFramework>net10.0</TargetFramework>"),
		}), "dotnet")
		if err != nil {
			t.Fatal(err)
		}
		if st.Base != "mcr.microsoft.com/dotnet/sdk:10.0" || len(st.Groups) != 1 || strings.Join(st.Groups[0].Files, ",") != "App.slnx,src/App/App.csproj" {
			t.Errorf("base %s, groups %+v", st.Base, st.Groups)
		}
	})
}
