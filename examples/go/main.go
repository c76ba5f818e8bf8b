// Command hello-devenv prints a greeting tagged with a fresh UUID, to show that the
// module dependency (github.com/google/uuid) was downloaded when devenv built the image.
package main

import (
	"fmt"

	"github.com/google/uuid"
)

// greeting returns the message for name, tagged with id.
func greeting(name string, id uuid.UUID) string {
	return fmt.Sprintf("Hello, %s! (request %s, UUID version %d)", name, id, id.Version())
}

func main() {
	fmt.Println(greeting("devenv", uuid.New()))
}
