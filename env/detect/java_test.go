package detect

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestJavaVersionPicksTheImage(t *testing.T) {
	pom := func(props string) string {
		return "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <properties>\n" + props + "\n  </properties>\n</project>\n"
	}
	tests := []struct {
		name      string
		files     map[string]string
		base, src string
	}{
		{"maven.compiler.release", map[string]string{"pom.xml": pom("    <maven.compiler.release>17</maven.compiler.release>")}, "maven:3-eclipse-temurin-17", "pom.xml:4"},
		{"maven.compiler.source 1.8", map[string]string{"pom.xml": pom("    <maven.compiler.source>1.8</maven.compiler.source>")}, "maven:3-eclipse-temurin-8", "pom.xml:4"},
		{"java.version through a property", map[string]string{"pom.xml": pom("    <jdk>11</jdk>\n    <java.version>${jdk}</java.version>")}, "maven:3-eclipse-temurin-11", "pom.xml:4"},
		{"compiler plugin release", map[string]string{"pom.xml": "<project>\n<build><plugins><plugin>\n<artifactId>maven-compiler-plugin</artifactId>\n<configuration>\n<release>25</release>\n</configuration></plugin></plugins></build>\n</project>\n"}, "maven:3-eclipse-temurin-25", "pom.xml:5"},
		{"Java 9 gets JDK 11", map[string]string{"pom.xml": pom("<maven.compiler.release>9</maven.compiler.release>")}, "maven:3-eclipse-temurin-11", "pom.xml:4"},
		{"mvnw: the JDK image", map[string]string{"pom.xml": pom(""), "mvnw": "#!/bin/sh\n", ".java-version": "17\n"}, "eclipse-temurin:17-jdk", ".java-version:1"},
		{".java-version wins over the pom", map[string]string{"pom.xml": pom("<maven.compiler.release>11</maven.compiler.release>"), ".java-version": "21.0.2\n"}, "maven:3-eclipse-temurin-21", ".java-version:1"},
		{".sdkmanrc", map[string]string{"pom.xml": pom(""), ".sdkmanrc": "# sdk env\njava=21.0.2-tem\nmaven=3.9.6\n"}, "maven:3-eclipse-temurin-21", ".sdkmanrc:2"},
		{".tool-versions", map[string]string{"pom.xml": pom(""), ".tool-versions": "java temurin-21.0.1+12\n"}, "maven:3-eclipse-temurin-21", ".tool-versions:1"},
		{"mise.toml", map[string]string{"pom.xml": pom(""), "mise.toml": "[tools]\njava = \"temurin-17.0.9\"\n"}, "maven:3-eclipse-temurin-17", "mise.toml:2"},
		{"no version: the default", map[string]string{"pom.xml": pom("")}, "maven:3-eclipse-temurin-21", "devenv's default"},
		{"gradle toolchain", map[string]string{"build.gradle.kts": "plugins { java }\njava {\n  toolchain { languageVersion.set(JavaLanguageVersion.of(17)) }\n}\n"}, "gradle:jdk17", "build.gradle.kts:3"},
		{"gradle sourceCompatibility", map[string]string{"build.gradle": "apply plugin: 'java'\nsourceCompatibility = JavaVersion.VERSION_1_8\n"}, "gradle:jdk8", "build.gradle:2"},
		{"gradle sourceCompatibility string", map[string]string{"build.gradle": "java {\n  sourceCompatibility = '11'\n}\n"}, "gradle:jdk11", "build.gradle:2"},
		{"kotlin jvmTarget", map[string]string{"build.gradle.kts": "kotlin {\n  compilerOptions { jvmTarget.set(JvmTarget.JVM_21) }\n}\n"}, "gradle:jdk21", "build.gradle.kts:2"},
		{"jvmToolchain", map[string]string{"build.gradle.kts": "kotlin {\n  jvmToolchain(17)\n}\n"}, "gradle:jdk17", "build.gradle.kts:2"},
		{"gradlew: the JDK image", map[string]string{"settings.gradle": "rootProject.name = 'x'\n", "gradlew": "#!/bin/sh\n"}, "eclipse-temurin:21-jdk", "devenv's default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "java")
			if err != nil {
				t.Fatal(err)
			}
			if st.VersionErr != nil {
				t.Fatalf("version error: %v", st.VersionErr)
			}
			if st.Base != tt.base || st.Version.Source.String() != tt.src {
				t.Errorf("base %s from %s, want %s from %s", st.Base, st.Version.Source, tt.base, tt.src)
			}
		})
	}
}

func TestJavaVersionNobodyPublishes(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{".java-version": "99\n", "pom.xml": "<project/>"}), "java")
	if err != nil {
		t.Fatal(err)
	}
	var de *Error
	if !errors.As(st.VersionErr, &de) || de.File != ".java-version" || de.Line != 1 || !strings.Contains(de.Msg, "newest: 26") {
		t.Fatalf("VersionErr = %v, want .java-version:1 naming the newest JDK", st.VersionErr)
	}
}

func TestJavaBadPOMIsPlaced(t *testing.T) {
	_, err := Resolve(writeTree(t, map[string]string{"pom.xml": "<project>\n  <properties>\n  </project>\n"}), "java")
	var de *Error
	if !errors.As(err, &de) || de.File != "pom.xml" || de.Line != 3 {
		t.Fatalf("err = %v, want pom.xml:3", err)
	}
}

func TestMavenReactorAndSettings(t *testing.T) {
	root := writeTree(t, map[string]string{
		"pom.xml":                               "<project><modules><module>core</module><module>app</module><module>gone</module></modules></project>",
		"core/pom.xml":                          "<project><modules><module>sub</module></modules></project>",
		"core/sub/pom.xml":                      "<project/>",
		"app/pom.xml":                           "<project/>",
		".mvn/maven.config":                     "-B\n--settings=ci/settings.xml\n",
		"ci/settings.xml":                       "<settings/>",
		".mvn/wrapper/maven-wrapper.properties": "distributionUrl=https://example.invalid/maven.zip\n",
		"mvnw":                                  "#!/bin/sh\n",
	})
	st, err := Resolve(root, "java")
	if err != nil {
		t.Fatal(err)
	}
	files := st.Groups[0].Files
	for _, f := range []string{"pom.xml", "core/pom.xml", "core/sub/pom.xml", "app/pom.xml", ".mvn/maven.config", "ci/settings.xml", "mvnw", ".mvn/wrapper/maven-wrapper.properties"} {
		if !slices.Contains(files, f) {
			t.Errorf("files %v lack %s", files, f)
		}
	}
	if install := st.Groups[0].Install[0]; !strings.Contains(install, "sh ./mvnw -B dependency:go-offline") || !strings.Contains(install, mavenRepo) {
		t.Errorf("install = %q, want the wrapper's go-offline into %s", install, mavenRepo)
	}
	if !slices.ContainsFunc(st.Left, func(s string) bool { return strings.Contains(s, "module gone has no pom.xml") }) {
		t.Errorf("Left = %q, want the missing module named", st.Left)
	}
	if !slices.ContainsFunc(st.Left, func(s string) bool { return strings.Contains(s, "distributionUrl") }) {
		t.Errorf("Left = %q, want the wrapper's download said", st.Left)
	}
	if !slices.Equal(st.Caches, []string{"/root/.m2"}) {
		t.Errorf("caches = %v", st.Caches)
	}
}

func TestGradleIncludedProjects(t *testing.T) {
	root := writeTree(t, map[string]string{
		"settings.gradle.kts":                      "rootProject.name = \"x\"\ninclude(\"app\", \":lib:core\")\nincludeBuild(\"../other\")\n",
		"build.gradle.kts":                         "plugins { java }\n",
		"app/build.gradle.kts":                     "plugins { application }\n",
		"lib/core/build.gradle":                    "apply plugin: 'java'\n",
		"gradle/libs.versions.toml":                "[versions]\n",
		"gradle.properties":                        "org.gradle.jvmargs=-Xmx1g\n",
		"gradlew":                                  "#!/bin/sh\n",
		"gradle/wrapper/gradle-wrapper.properties": "distributionUrl=https://example.invalid/gradle.zip\n",
	})
	st, err := Resolve(root, "java")
	if err != nil {
		t.Fatal(err)
	}
	if st.Manager != "gradle" || st.Base != "eclipse-temurin:21-jdk" {
		t.Errorf("manager %s base %s", st.Manager, st.Base)
	}
	files := st.Groups[0].Files
	for _, f := range []string{"settings.gradle.kts", "build.gradle.kts", "app/build.gradle.kts", "lib/core/build.gradle", "gradle/libs.versions.toml", "gradle.properties", "gradlew", "gradle/wrapper/gradle-wrapper.properties"} {
		if !slices.Contains(files, f) {
			t.Errorf("files %v lack %s", files, f)
		}
	}
	if install := st.Groups[0].Install[0]; !strings.Contains(install, "sh ./gradlew --no-daemon -q dependencies :app:dependencies :lib:core:dependencies") {
		t.Errorf("install = %q", install)
	}
}

func TestJavaAsSecondStack(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{"pom.xml": "<project/>"}), "java")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Toolchain.Copy, []string{"/opt/java/openjdk", "/usr/share/maven"}) {
		t.Errorf("copy = %v", st.Toolchain.Copy)
	}
}
