package detect

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	// javaReleases are the JDKs whose images (eclipse-temurin:<N>-jdk,
	// maven:3-eclipse-temurin-<N>, gradle:jdk<N>) devenv starts from.
	javaReleases = []int{8, 11, 17, 21, 22, 23, 24, 25, 26}
	javaDefault  = 21
)

// The Maven repository and the Gradle user home live in the image, where the host user
// can read and add to them: the shell runs as that user, whose home is not root's.
// templates/java.tmpl points Maven, its wrapper and Gradle at them.
const (
	mavenHome      = "/opt/m2"
	mavenRepo      = mavenHome + "/repository"
	gradleUserHome = "/opt/gradle-home"
)

func javaPresent(p *Probe, dir string) bool {
	for _, f := range []string{"pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"} {
		if p.IsFile(rel(dir, f)) {
			return true
		}
	}
	return false
}

func resolveJava(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "java", Dir: dir}
	var pom *mavenPOM
	gradle := firstFile(p, dir, "settings.gradle.kts", "settings.gradle", "build.gradle.kts", "build.gradle")
	switch {
	case p.IsFile(rel(dir, "pom.xml")):
		st.Manager = "maven"
		var err error
		if pom, err = readPOM(p, rel(dir, "pom.xml")); err != nil {
			return nil, err
		}
		if gradle != "" {
			st.Left = append(st.Left, "both pom.xml and "+gradle+" are here: devenv uses Maven; set install = [...] in devenv.toml to use Gradle")
		}
	case gradle != "":
		st.Manager = "gradle"
	}

	n, err := javaVersion(p, dir, pom, st)
	n = javaImageRelease(st, n, err)
	wrapper := false
	switch st.Manager {
	case "maven":
		wrapper = p.IsFile(rel(dir, "mvnw"))
		st.Base = fmt.Sprintf("maven:3-eclipse-temurin-%d", n)
	case "gradle":
		wrapper = p.IsFile(rel(dir, "gradlew"))
		st.Base = fmt.Sprintf("gradle:jdk%d", n)
	}
	if wrapper || st.Manager == "" {
		st.Base = fmt.Sprintf("eclipse-temurin:%d-jdk", n)
	}
	st.Chose = append(st.Chose, "base "+st.Base)
	// Added to another stack's image: the JDK from its own image, on the PATH; and
	// Maven or Gradle from theirs when no wrapper brings its own.
	st.Toolchain = Toolchain{Copy: []string{"/opt/java/openjdk"},
		Setup: []string{"ln -sf /opt/java/openjdk/bin/* /usr/local/bin/"}}
	switch {
	case st.Manager == "maven" && !wrapper:
		st.Toolchain.Copy = append(st.Toolchain.Copy, "/usr/share/maven")
		st.Toolchain.Setup = append(st.Toolchain.Setup, "ln -sf /usr/share/maven/bin/mvn /usr/local/bin/mvn")
	case st.Manager == "gradle" && !wrapper:
		st.Toolchain.Copy = append(st.Toolchain.Copy, "/opt/gradle")
		st.Toolchain.Setup = append(st.Toolchain.Setup, "ln -sf /opt/gradle/bin/gradle /usr/local/bin/gradle")
	}

	switch st.Manager {
	case "maven":
		mavenGroup(p, dir, pom, wrapper, st)
	case "gradle":
		gradleGroup(p, dir, wrapper, st)
	}
	return st, nil
}

// javaImageRelease picks the JDK image for the version the project asks for: a JDK
// compiles for every older release, so Java 9 gets JDK 11 and 1.6 gets JDK 8.
func javaImageRelease(st *Stack, n int, err error) int {
	if err != nil {
		st.VersionErr = err
		return javaDefault
	}
	for _, r := range javaReleases {
		if r >= n {
			if r != n {
				st.Chose = append(st.Chose, fmt.Sprintf("JDK %d: no image is published for Java %d, and JDK %d compiles for it", r, n, r))
			}
			return r
		}
	}
	newest := javaReleases[len(javaReleases)-1]
	st.VersionErr = &Error{File: st.Version.Source.File, Line: st.Version.Source.Line,
		Msg: fmt.Sprintf("Java %s is not a released JDK devenv knows (newest: %d): fix the version, or set base = \"...\" in devenv.toml to choose the image yourself", st.Version.Value, newest)}
	return javaDefault
}

var javaNumberRe = regexp.MustCompile(`\d+(?:[._]\d+)*`)

// javaFeature reads the feature release of a Java version as projects write it:
// "21", "17.0.2", "1.8" (Java 8), "temurin-21.0.1", "21.0.2-tem", "VERSION_1_8".
func javaFeature(lang string, v Version) (int, error) {
	m := javaNumberRe.FindString(v.Value)
	nums := parseNumbers(strings.ReplaceAll(m, "_", "."))
	if len(nums) == 0 {
		return 0, &Error{File: v.Source.File, Line: v.Source.Line,
			Msg: fmt.Sprintf("%s version %q is not a version number: write one like %d", lang, v.Value, javaDefault)}
	}
	if nums[0] == 1 && len(nums) > 1 {
		return nums[1], nil // 1.8 is Java 8
	}
	return nums[0], nil
}

// javaVersion: the JDK the project pins (.java-version, .sdkmanrc, .tool-versions,
// mise.toml), then the release its build compiles for (pom.xml, build.gradle).
func javaVersion(p *Probe, dir string, pom *mavenPOM, st *Stack) (int, error) {
	v, ok := pinnedJava(p, dir)
	if !ok && pom != nil {
		v, ok = pom.javaRelease(p)
	}
	if !ok && st.Manager == "gradle" {
		v, ok = gradleJava(p, dir)
	}
	if !ok {
		st.Version = Version{Value: strconv.Itoa(javaDefault)}
		st.Left = append(st.Left, fmt.Sprintf("no Java version in the project: %d is devenv's default; pin one in .java-version", javaDefault))
		return javaDefault, nil
	}
	st.Version = v
	st.Found = append(st.Found, "Java "+v.String())
	return javaFeature("Java", v)
}

func pinnedJava(p *Probe, dir string) (Version, bool) {
	if line, n := p.FirstLine(rel(dir, ".java-version")); line != "" {
		return Version{Value: line, Source: Source{File: rel(dir, ".java-version"), Line: n}}, true
	}
	file := rel(dir, ".sdkmanrc")
	for i, line := range strings.Split(p.Text(file), "\n") {
		k, val, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && strings.TrimSpace(k) == "java" && strings.TrimSpace(val) != "" {
			return Version{Value: strings.TrimSpace(val), Source: Source{File: file, Line: i + 1}}, true
		}
	}
	return p.toolVersion(dir, "java")
}

func firstFile(p *Probe, dir string, names ...string) string {
	for _, n := range names {
		if p.IsFile(rel(dir, n)) {
			return rel(dir, n)
		}
	}
	return ""
}
