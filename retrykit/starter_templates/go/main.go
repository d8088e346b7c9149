// __ADAPTER_NAME__: an adapter between the job retry conformance kit and your product.
//
// README
//
//	It speaks the kit's whole protocol (JSON Lines on stdin and stdout; docs/adapter-guide.md and
//	schemas/protocol.schema.json in the kit) and answers "skipped" to every scenario until you complete
//	the one marked place below, where it calls your product.
//
//	Build:     go build -o adapter .      (Go 1.18 or later, standard library only)
//	Run:       ./adapter
//	           It waits for the kit's messages on stdin; try it by hand with the line
//	           {"type":"hello","protocol":"1.1","kit":{"name":"me","version":"0"}}
//	Check it:  in the kit's virtual environment: retry-kit check-adapter "/path/to/adapter"
//	           a conversation of a few seconds (handshake, two runs, shutdown) with what to fix;
//	           it passes once you declare a chain format and complete the marked place.
//	Judge it:  from the kit's folder, in its virtual environment:
//	           pytest features --adapter "/path/to/adapter" --report-dir reports/__ADAPTER_NAME__
//	           As it comes, it declares no capability, so every scenario is "not applicable" and the
//	           verdict is "not established": nothing was judged yet.
//
// Write diagnostics to stderr only: every line on stdout must be a protocol message.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

const (
	name       = "__ADAPTER_NAME__"
	version    = "0.1.0"
	protocol   = "1.1"
	maxReason  = 2000
	maxMessage = 10000
)

// Unsupported, returned from runScenario, answers "skipped": the product cannot run this scenario.
type Unsupported struct{ Reason string }

func (u Unsupported) Error() string { return u.Reason }

// ============================== YOUR PRODUCT: the one place to complete ==============================
// capabilities: what your product can be judged on: "chain:per_machine", "chain:single_file",
// "trigger:manual", "manual_stop", "job_failure", "custom_retry" (docs/adapter-guide.md, "Capabilities").
// Add each one only once runScenario handles the scenarios that need it: a scenario that needs a capability
// you did not declare is "not applicable", never failed, but one you declared and then answer "skipped"
// keeps the verdict from "yes". Every scenario needs one of the two chain formats, so with none declared
// nothing is judged. (Keep it a non-nil slice: nil would be sent as null.)
var capabilities = []string{}

// runScenario runs one scenario (schemas/scenario.schema.json) on your product and returns what it did,
// as a trace (schemas/trace.schema.json). Return an Unsupported to answer "skipped"; any other error
// answers "error" with its message. Numbers in the scenario arrive as json.Number.
func runScenario(scenario map[string]any) (map[string]any, error) {
	return nil, Unsupported{name + " is not connected to a product yet: complete runScenario"}
}

// ============================== END OF YOUR PRODUCT ==============================

var stdout = bufio.NewWriter(os.Stdout)

func answer(message map[string]any) {
	var line bytes.Buffer
	encoder := json.NewEncoder(&line) // Encode ends the line with "\n"
	if err := encoder.Encode(message); err != nil {
		fmt.Fprintf(os.Stderr, "%s: cannot encode an answer: %v\n", name, err)
		line.Reset()
		encoder.Encode(map[string]any{"type": "error", "seq": message["seq"], "message": "cannot encode the answer: " + err.Error()})
	}
	stdout.Write(line.Bytes())
	stdout.Flush()
}

// cut shortens text to at most limit characters.
func cut(text string, limit int) string {
	runes := []rune(text)
	if len(runes) > limit {
		return string(runes[:limit])
	}
	return text
}

// validSeq is the message's sequence number when it has one an answer can carry.
func validSeq(message map[string]json.RawMessage) (int64, bool) {
	var seq int64
	if err := json.Unmarshal(message["seq"], &seq); err != nil || seq < 1 {
		return 0, false
	}
	return seq, true
}

func run(seq int64, message map[string]json.RawMessage) {
	var scenario map[string]any
	decoder := json.NewDecoder(bytes.NewReader(message["scenario"]))
	decoder.UseNumber()
	if err := decoder.Decode(&scenario); err != nil || scenario == nil {
		answer(map[string]any{"type": "error", "seq": seq, "message": "the run message has no scenario object"})
		return
	}
	trace, err := runScenario(scenario)
	var unsupported Unsupported
	switch {
	case errors.As(err, &unsupported):
		reason := cut(unsupported.Reason, maxReason)
		if reason == "" {
			reason = "unsupported"
		}
		answer(map[string]any{"type": "skipped", "seq": seq, "reason": reason})
	case err != nil:
		answer(map[string]any{"type": "error", "seq": seq, "message": cut(err.Error(), maxMessage)})
	default:
		answer(map[string]any{"type": "result", "seq": seq, "trace": trace})
	}
}

// handle answers one line; false once the kit says the run is over.
func handle(line []byte) bool {
	var message map[string]json.RawMessage
	if err := json.Unmarshal(line, &message); err != nil || message == nil {
		shown := cut(string(bytes.TrimSpace(line)), 200)
		fmt.Fprintf(os.Stderr, "%s: ignoring a line that is not a JSON object: %q\n", name, shown)
		return true
	}
	var kind string
	json.Unmarshal(message["type"], &kind) // anything but a string leaves kind empty: an unknown type
	seq, hasSeq := validSeq(message)
	switch {
	case kind == "shutdown":
		return false
	case kind == "hello":
		implementation := map[string]any{"name": name, "version": version}
		answer(map[string]any{"type": "hello", "protocol": protocol, "implementation": implementation, "capabilities": capabilities})
	case !hasSeq:
		fmt.Fprintf(os.Stderr, "%s: ignoring a %q message without a valid seq\n", name, kind)
	case kind == "run":
		run(seq, message)
	default:
		answer(map[string]any{"type": "error", "seq": seq, "message": cut("unknown message type: "+kind, maxMessage)})
	}
	return true
}

func main() {
	stdin := bufio.NewReader(os.Stdin)
	for {
		line, err := stdin.ReadBytes('\n') // no length limit: a scenario may be long
		if len(bytes.TrimSpace(line)) > 0 && !handle(line) {
			return
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: cannot read stdin: %v\n", name, err)
			os.Exit(1)
		}
	}
}
