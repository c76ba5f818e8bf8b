package env

import (
	"slices"
	"strings"
)

// stackImageWords are the words in an image's name that say it carries a stack's
// language: mcr.microsoft.com/devcontainers/python:3, typescript-node, java, ...
var stackImageWords = map[string][]string{
	"python": {"python", "anaconda", "miniconda", "jupyter"},
	"node":   {"node", "javascript", "typescript"},
	"go":     {"go", "golang"},
	"rust":   {"rust"},
	"ruby":   {"ruby", "rails"},
	"java":   {"java", "jdk", "temurin", "maven", "gradle", "openjdk"},
	"dotnet": {"dotnet"},
	"php":    {"php"},
	"cpp":    {"cpp", "gcc", "clang"},
}

// imageCarries reports whether the image's repository name names the stack's language.
func imageCarries(image, stack string) bool {
	name := strings.ToLower(image)
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '-' || r == '_' || r == '.' })
	for _, w := range words {
		if slices.Contains(stackImageWords[stack], w) {
			return true
		}
	}
	return false
}
