package detect

import (
	"path"
	"regexp"
	"slices"
	"strings"
)

var (
	gradleToolchainRe = regexp.MustCompile(`JavaLanguageVersion\.of\(\s*"?(\d+)"?\s*\)|jvmToolchain\(\s*(\d+)\s*\)`)
	gradleCompatRe    = regexp.MustCompile(`(?:source|target)Compatibility\s*=\s*(?:JavaVersion\.VERSION_([\d_]+)|['"]?([\d.]+)['"]?)|JavaVersion\.VERSION_([\d_]+)`)
	gradleJvmTargetRe = regexp.MustCompile(`jvmTarget(?:\.set\(|\s*=\s*)\s*(?:JvmTarget\.JVM_([\d_]+)|"([\d.]+)")`)
)

var (
	gradleIncludeRe = regexp.MustCompile(`(?m)^\s*include\b\s*\(?([^)\n]*)\)?`)
	quotedRe        = regexp.MustCompile(`["']([^"']+)["']`)
)

// gradleJava: the toolchain the build asks for (JavaLanguageVersion.of, jvmToolchain),
// else sourceCompatibility, else Kotlin's jvmTarget, in the root build script.
func gradleJava(p *Probe, dir string) (Version, bool) {
	for _, re := range []*regexp.Regexp{gradleToolchainRe, gradleCompatRe, gradleJvmTargetRe} {
		for _, f := range []string{"build.gradle.kts", "build.gradle"} {
			file := rel(dir, f)
			text := p.Text(file)
			if m := re.FindStringSubmatch(text); m != nil {
				for _, g := range m[1:] {
					if g != "" {
						return Version{Value: g, Source: Source{File: file, Line: LineOf(text, m[0])}}, true
					}
				}
			}
		}
	}
	return Version{}, false
}

// gradleGroup: the build scripts of the root and of every included project, the
// version catalog and the wrapper; `dependencies` resolves what each project declares
// (and the plugins its script applies) into the Gradle user home in the image.
func gradleGroup(p *Probe, dir string, wrapper bool, st *Stack) {
	var files []string
	add := func(f string) {
		if p.IsFile(f) && !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	for _, f := range []string{"settings.gradle.kts", "settings.gradle", "build.gradle.kts", "build.gradle", "gradle.properties", "gradle/libs.versions.toml"} {
		add(rel(dir, f))
	}
	tasks := []string{"dependencies"}
	for _, proj := range gradleIncludes(p, dir) {
		pdir := rel(dir, strings.ReplaceAll(strings.TrimPrefix(proj, ":"), ":", "/"))
		before := len(files)
		add(path.Join(pdir, "build.gradle.kts"))
		add(path.Join(pdir, "build.gradle"))
		if len(files) > before {
			tasks = append(tasks, ":"+strings.TrimPrefix(proj, ":")+":dependencies")
		}
	}
	if p.IsDir(rel(dir, "buildSrc")) {
		st.Left = append(st.Left, "buildSrc/ is compiled by Gradle from its sources, which the dependency layer does not hold: if the warm-up fails, set install = [...] in devenv.toml")
	}
	gradle := "gradle"
	if wrapper {
		gradle = "sh ./gradlew"
		add(rel(dir, "gradlew"))
		add(rel(dir, "gradle/wrapper/gradle-wrapper.properties"))
		add(rel(dir, "gradle/wrapper/gradle-wrapper.jar"))
		st.Found = append(st.Found, "Gradle wrapper: "+rel(dir, "gradlew"))
		st.Left = append(st.Left, "gradlew downloads its own Gradle from the distributionUrl in gradle/wrapper/gradle-wrapper.properties: the build needs to reach it")
	}
	st.Found = append(st.Found, "Gradle build: "+strings.Join(files, ", "))
	st.Caches = []string{"/root/.gradle"}
	st.Chose = append(st.Chose, "Gradle user home in the image at "+gradleUserHome+" (GRADLE_USER_HOME), filled by "+strings.Join(tasks, " "))
	st.Groups = []Group{{Files: files, Install: []string{inDir(dir,
		"mkdir -p "+gradleUserHome+" /root/.gradle && cp -Rn /root/.gradle/. "+gradleUserHome+"/ && "+
			gradle+" --no-daemon -q "+strings.Join(tasks, " ")+" >/dev/null && "+
			"cp -Rn "+gradleUserHome+"/caches "+gradleUserHome+"/wrapper /root/.gradle/ 2>/dev/null; chmod -R a+rwX "+gradleUserHome)}}}
}

// gradleIncludes are the project paths settings.gradle(.kts) includes, like ":app" or
// "lib:core".
func gradleIncludes(p *Probe, dir string) []string {
	var out []string
	for _, f := range []string{"settings.gradle.kts", "settings.gradle"} {
		for _, m := range gradleIncludeRe.FindAllStringSubmatch(p.Text(rel(dir, f)), -1) {
			for _, q := range quotedRe.FindAllStringSubmatch(m[1], -1) {
				if proj := strings.TrimSpace(q[1]); proj != "" && !strings.Contains(proj, "..") && !slices.Contains(out, proj) {
					out = append(out, proj)
				}
			}
		}
	}
	return out
}
