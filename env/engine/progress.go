package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/docker/docker/pkg/jsonmessage"
	controlapi "github.com/moby/buildkit/api/services/control"
	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
	"google.golang.org/protobuf/proto"
)

// showBuildKitProgress reads the engine's build stream and feeds BuildKit's own
// progress display: live and redrawn on a terminal, plain lines otherwise. A failed
// step's output and exit status come from the display and from the returned error.
func showBuildKitProgress(ctx context.Context, body io.Reader, out io.Writer, plain bool) error {
	mode := progressui.AutoMode
	if plain {
		mode = progressui.PlainMode
	}
	display, err := progressui.NewDisplay(out, mode)
	if err != nil {
		display, _ = progressui.NewDisplay(out, progressui.PlainMode)
	}
	statuses := make(chan *bkclient.SolveStatus)
	displayDone := make(chan struct{})
	go func() {
		defer close(displayDone)
		// The display must see every status until the channel closes; its context
		// is not ours, so a cancelled build still shows where it stopped.
		_, _ = display.UpdateFrom(context.WithoutCancel(ctx), statuses)
	}()

	var buildErr error
	dec := json.NewDecoder(body)
	for {
		var msg jsonmessage.JSONMessage
		if err := dec.Decode(&msg); err != nil {
			if !errors.Is(err, io.EOF) && buildErr == nil {
				buildErr = err
			}
			break
		}
		if msg.Error != nil {
			buildErr = &BuildError{Msg: cleanBuildError(msg.Error.Message)}
			continue
		}
		if msg.ID != "moby.buildkit.trace" || msg.Aux == nil {
			continue
		}
		var raw []byte
		if err := json.Unmarshal(*msg.Aux, &raw); err != nil {
			continue
		}
		var resp controlapi.StatusResponse
		if err := proto.Unmarshal(raw, &resp); err != nil {
			continue
		}
		statuses <- bkclient.NewSolveStatus(&resp)
	}
	close(statuses)
	<-displayDone
	return buildErr
}

// cleanBuildError shortens the engine's message for a failed step: the display above
// it shows the step and its output; the exit status is what the message must keep.
// Engines say "process ... did not complete successfully: exit code: N" (23 and later)
// or "executor failed running [...]: exit code: N" (20.10).
// The classic builders say it in their own words, after the step's output: Podman
// `building at STEP "RUN ...": while running runtime: exit status N`, Docker
// `The command '...' returned a non-zero code: N`.
func cleanBuildError(msg string) string {
	msg = strings.TrimSpace(msg)
	if m := exitCodeRe.FindStringSubmatch(msg); m != nil &&
		(strings.Contains(msg, "did not complete successfully") || strings.HasPrefix(msg, "executor failed running")) {
		return fmt.Sprintf("a build step failed with exit code %s", m[1])
	}
	if m := podmanStepRe.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("the build step %s failed with exit code %s", oneLineStep(m[1]), m[2])
	}
	if m := classicStepRe.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("the build step RUN %s failed with exit code %s", m[1], m[2])
	}
	return msg
}

// oneLineStep is a RUN step as the user wrote it, on one line: without the mounts
// devenv adds (caches, the CA bundle) and the guarded line that points the tools at
// the bundle, the rest of its lines joined with "; ".
func oneLineStep(step string) string {
	step = runMountRe.ReplaceAllString(step, "")
	step = caGuardRe.ReplaceAllString(step, "")
	lines := strings.FieldsFunc(step, func(r rune) bool { return r == '\n' })
	return strings.Join(lines, "; ")
}

var (
	runMountRe    = regexp.MustCompile(`--mount=\S+ `)
	caGuardRe     = regexp.MustCompile(`if \[ -f \S+ \]; then \. \S+; fi\n`)
	exitCodeRe    = regexp.MustCompile(`exit code: (\d+)\s*$`)
	podmanStepRe  = regexp.MustCompile(`(?s)^building at STEP "(.*)": while running runtime: exit status (\d+)$`)
	classicStepRe = regexp.MustCompile(`(?s)^The command '(.*)' returned a non-zero code: (\d+)$`)
)
