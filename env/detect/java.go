package detect

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
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

// mavenPOM is the part of a pom.xml devenv reads.
type mavenPOM struct {
	file       string
	text       string
	Properties struct {
		Entries []xmlEntry `xml:",any"`
	} `xml:"properties"`
	Modules []string `xml:"modules>module"`
	Build   struct {
		Plugins          []mavenPlugin `xml:"plugins>plugin"`
		PluginManagement []mavenPlugin `xml:"pluginManagement>plugins>plugin"`
	} `xml:"build"`
}

type xmlEntry struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

type mavenPlugin struct {
	ArtifactID    string `xml:"artifactId"`
	Configuration struct {
		Release string `xml:"release"`
		Source  string `xml:"source"`
	} `xml:"configuration"`
}

func readPOM(p *Probe, file string) (*mavenPOM, error) {
	b, err := p.Read(file)
	if err != nil {
		return nil, &Error{File: file, Msg: "cannot be read (" + err.Error() + ")"}
	}
	pom := &mavenPOM{file: file, text: string(b)}
	dec := xml.NewDecoder(bytes.NewReader(b))
	// Only the structure matters; a pom in another declared encoding reads the same.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := dec.Decode(pom); err != nil {
		line := 0
		if se, ok := err.(*xml.SyntaxError); ok {
			line = se.Line
		}
		return nil, &Error{File: file, Line: line, Msg: "not valid XML (" + strings.TrimPrefix(err.Error(), "XML syntax error on line "+strconv.Itoa(line)+": ") + "): fix the file, then run devenv again"}
	}
	return pom, nil
}

func (pom *mavenPOM) property(name string) (string, bool) {
	for _, e := range pom.Properties.Entries {
		if e.XMLName.Local == name {
			return strings.TrimSpace(e.Value), true
		}
	}
	return "", false
}

var mavenPropRe = regexp.MustCompile(`^\$\{([^}]+)\}$`)

// javaRelease is the release the compiler plugin builds for: its <release> or <source>,
// else the maven.compiler.release, maven.compiler.source or java.version property.
// ${...} is followed through the pom's own properties.
func (pom *mavenPOM) javaRelease(p *Probe) (Version, bool) {
	at := func(value, needle string) (Version, bool) {
		for i := 0; i < 3; i++ {
			m := mavenPropRe.FindStringSubmatch(value)
			if m == nil {
				break
			}
			v, ok := pom.property(m[1])
			if !ok {
				return Version{}, false
			}
			value, needle = v, "<"+m[1]+">"
		}
		if value == "" || strings.Contains(value, "${") {
			return Version{}, false
		}
		return Version{Value: value, Source: Source{File: pom.file, Line: LineOf(pom.text, needle)}}, true
	}
	for _, plugins := range [][]mavenPlugin{pom.Build.Plugins, pom.Build.PluginManagement} {
		for _, pl := range plugins {
			if pl.ArtifactID != "maven-compiler-plugin" {
				continue
			}
			if v, ok := at(strings.TrimSpace(pl.Configuration.Release), "<release>"); ok {
				return v, true
			}
			if v, ok := at(strings.TrimSpace(pl.Configuration.Source), "<source>"); ok {
				return v, true
			}
		}
	}
	for _, name := range []string{"maven.compiler.release", "maven.compiler.source", "java.version"} {
		if value, ok := pom.property(name); ok {
			if v, ok := at(value, "<"+name+">"); ok {
				return v, true
			}
		}
	}
	return Version{}, false
}

// mavenGroup: every pom of the reactor and Maven's own configuration, then
// dependency:go-offline (the wrapper's Maven when there is one). Downloads also land in
// the cache mount, and the next build starts from what it holds, so a new dependency
// is the only download.
func mavenGroup(p *Probe, dir string, pom *mavenPOM, wrapper bool, st *Stack) {
	files := []string{rel(dir, "pom.xml")}
	modules, missing := mavenModules(p, dir, pom)
	files = append(files, modules...)
	for _, m := range missing {
		st.Left = append(st.Left, "module "+m+" has no pom.xml: devenv leaves it out; fix <modules> in "+pom.file)
	}
	for _, f := range []string{".mvn/maven.config", ".mvn/jvm.config", ".mvn/extensions.xml", ".mvn/settings.xml"} {
		if p.IsFile(rel(dir, f)) {
			files = append(files, rel(dir, f))
		}
	}
	// A settings file named in .mvn/maven.config (-s, --settings) points at the mirror
	// a company's builds use; the install needs it as much as the pom.
	if s := mavenConfigSettings(p, dir); s != "" && p.IsFile(s) && !slices.Contains(files, s) {
		files = append(files, s)
		st.Found = append(st.Found, "Maven settings: "+s+" (from "+rel(dir, ".mvn/maven.config")+")")
	}
	mvn := "mvn"
	if wrapper {
		mvn = "sh ./mvnw"
		files = append(files, rel(dir, "mvnw"))
		for _, f := range []string{".mvn/wrapper/maven-wrapper.properties", ".mvn/wrapper/maven-wrapper.jar"} {
			if p.IsFile(rel(dir, f)) {
				files = append(files, rel(dir, f))
			}
		}
		st.Found = append(st.Found, "Maven wrapper: "+rel(dir, "mvnw"))
		st.Left = append(st.Left, "mvnw downloads its own Maven from the distributionUrl in .mvn/wrapper/maven-wrapper.properties: the build needs to reach it")
	}
	st.Found = append(st.Found, "Maven project: "+strings.Join(files[:1+len(modules)], ", "))
	st.Caches = []string{"/root/.m2"}
	st.Chose = append(st.Chose, "Maven repository in the image at "+mavenRepo+" (MAVEN_OPTS), filled by dependency:go-offline")
	st.Groups = []Group{{Files: files, Install: []string{inDir(dir,
		"mkdir -p "+mavenRepo+" /root/.m2/repository && cp -Rn /root/.m2/repository/. "+mavenRepo+"/ && "+
			mvn+" -B dependency:go-offline && cp -Rn "+mavenRepo+"/. /root/.m2/repository/ && chmod -R a+rwX "+mavenHome)}}}
}

// mavenModules are the pom.xml files of the reactor's modules, each module's own modules
// too (to a depth that real reactors do not pass), and the module paths with no pom.
func mavenModules(p *Probe, dir string, root *mavenPOM) (poms, missing []string) {
	seen := map[string]bool{rel(dir, "pom.xml"): true}
	type level struct {
		dir string
		pom *mavenPOM
	}
	todo := []level{{dir, root}}
	for depth := 0; depth < 4 && len(todo) > 0; depth++ {
		var next []level
		for _, l := range todo {
			for _, m := range l.pom.Modules {
				m = strings.TrimSpace(m)
				if m == "" || strings.Contains(m, "${") {
					continue
				}
				f := path.Clean(rel(l.dir, m))
				if !strings.HasSuffix(f, ".xml") {
					f = path.Join(f, "pom.xml")
				}
				if f == ".." || strings.HasPrefix(f, "../") || seen[f] {
					continue
				}
				seen[f] = true
				if !p.IsFile(f) {
					missing = append(missing, m)
					continue
				}
				poms = append(poms, f)
				if sub, err := readPOM(p, f); err == nil {
					next = append(next, level{path.Dir(f), sub})
				}
			}
		}
		todo = next
	}
	return poms, missing
}

// mavenConfigSettings is the settings file .mvn/maven.config names, relative to the
// root; Maven reads the path from the project folder.
func mavenConfigSettings(p *Probe, dir string) string {
	fields := strings.Fields(p.Text(rel(dir, ".mvn/maven.config")))
	for i, f := range fields {
		var v string
		switch {
		case (f == "-s" || f == "--settings") && i+1 < len(fields):
			v = fields[i+1]
		case strings.HasPrefix(f, "--settings="):
			v = strings.TrimPrefix(f, "--settings=")
		case strings.HasPrefix(f, "-s") && len(f) > 2:
			v = f[2:]
		}
		if v = strings.Trim(v, `"'`); v != "" && !path.IsAbs(v) {
			if s := path.Clean(rel(dir, v)); s != ".." && !strings.HasPrefix(s, "../") {
				return s
			}
		}
	}
	return ""
}

var (
	gradleToolchainRe = regexp.MustCompile(`JavaLanguageVersion\.of\(\s*"?(\d+)"?\s*\)|jvmToolchain\(\s*(\d+)\s*\)`)
	gradleCompatRe    = regexp.MustCompile(`(?:source|target)Compatibility\s*=\s*(?:JavaVersion\.VERSION_([\d_]+)|['"]?([\d.]+)['"]?)|JavaVersion\.VERSION_([\d_]+)`)
	gradleJvmTargetRe = regexp.MustCompile(`jvmTarget(?:\.set\(|\s*=\s*)\s*(?:JvmTarget\.JVM_([\d_]+)|"([\d.]+)")`)
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

var (
	gradleIncludeRe = regexp.MustCompile(`(?m)^\s*include\b\s*\(?([^)\n]*)\)?`)
	quotedRe        = regexp.MustCompile(`["']([^"']+)["']`)
)

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

func firstFile(p *Probe, dir string, names ...string) string {
	for _, n := range names {
		if p.IsFile(rel(dir, n)) {
			return rel(dir, n)
		}
	}
	return ""
}
