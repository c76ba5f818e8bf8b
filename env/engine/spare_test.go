package engine

import "testing"

func TestExecStatus(t *testing.T) {
	notFound := `OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown`
	for _, tt := range []struct {
		code, pid int
		head      string
		want      int
	}{
		{126, 0, notFound, 127},
		{126, 0, "exec: \"/x\": stat /x: no such file or directory", 127},
		{126, 0, "exec: \"/x\": permission denied", 126},
		{126, 4242, notFound, 126}, // the command ran and said so itself
		{127, 4242, "sh: nope: not found", 127},
		{3, 4242, "", 3},
	} {
		if got := execStatus(tt.code, tt.pid, tt.head); got != tt.want {
			t.Errorf("execStatus(%d, %d, %q) = %d, want %d", tt.code, tt.pid, tt.head, got, tt.want)
		}
	}
}
