package detect

import (
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

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
