// Command devenv gives a repository a reproducible development environment.
package main

import "os"

func main() {
	os.Exit(run(os.Args))
}
