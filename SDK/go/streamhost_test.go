package streamhost

import (
	"strings"
	"testing"
)

type onlyProcess struct{}

func (*onlyProcess) Process(*Context, *Batch) error { return nil }

type windowed struct{ onlyProcess }

func (*windowed) Open(*Context, TaskInfo) error            { return nil }
func (*windowed) OnWatermark(*Context, int64) error        { return nil }
func (*windowed) OnTimer(*Context, Timer) error            { return nil }
func (*windowed) Snapshot(*Context, int64) ([]byte, error) { return nil, nil }
func (*windowed) Restore(*Context, uint32, []byte) error   { return nil }
func (*windowed) Close(*Context) error                     { return nil }

type poller struct{}

func (*poller) Poll(*Context, int) (PollResult, error) { return End, nil }

func create[T any](value T) func(*Context, []byte) (T, error) {
	return func(*Context, []byte) (T, error) { return value, nil }
}

func TestOnlyTheMethodsATypeHasBecomeCallbacks(t *testing.T) {
	plain := Define(Spec{Kind: Operator, Name: "plain"}, create(&onlyProcess{}))
	if plain.problem != "" || plain.callbacks != bitProcess {
		t.Fatalf("plain: callbacks %b, problem %q", plain.callbacks, plain.problem)
	}
	full := Define(Spec{Kind: Operator, Name: "full", Migrate: func(Migration) ([]byte, error) { return nil, nil }},
		create(&windowed{}))
	want := bitProcess | bitOpen | bitWatermark | bitTimer | bitSnapshot | bitRestore | bitClose | bitMigrate
	if full.problem != "" || full.callbacks != want {
		t.Fatalf("full: callbacks %b, want %b, problem %q", full.callbacks, want, full.problem)
	}
}

func TestAComponentThatCannotWorkIsNamed(t *testing.T) {
	cases := []struct {
		component Component
		problem   string
	}{
		{Define(Spec{Kind: Operator, Name: "op"}, create(&poller{})), `component "op": *streamhost.poller has no Process method`},
		{Define(Spec{Kind: Sink, Name: "sink"}, create(&poller{})), `component "sink": *streamhost.poller has no Process method`},
		{Define(Spec{Kind: Source, Name: "src"}, create(&onlyProcess{})), `source "src": *streamhost.onlyProcess has no Poll method`},
		{Define(Spec{Kind: 9, Name: "odd"}, create(&onlyProcess{})), `Kind must be Source, Operator or Sink`},
		{Define(Spec{Kind: Operator}, create(&onlyProcess{})), `a component has no Name`},
	}
	for _, c := range cases {
		if !strings.Contains(c.component.problem, c.problem) {
			t.Errorf("problem %q, want it to contain %q", c.component.problem, c.problem)
		}
	}
	if source := Define(Spec{Kind: Source, Name: "src"}, create(&poller{})); source.problem != "" {
		t.Errorf("a source with Poll: %q", source.problem)
	}
}

func resetRegistry() {
	registry.name, registry.version, registry.components = "", "", nil
	registry.registered, registry.problem = false, ""
}

func TestRegistrationMistakesRefuseTheLoad(t *testing.T) {
	defer resetRegistry()
	resetRegistry()
	if buildDescriptor() == 0 {
		t.Fatal("a library without Register was accepted")
	}
	Register("p", "1.0.0", Define(Spec{Kind: Operator, Name: "a"}, create(&onlyProcess{})))
	if buildDescriptor() != 0 {
		t.Fatalf("a valid registration was refused: %q", registry.problem)
	}
	Register("q", "1.0.0")
	if !strings.Contains(registry.problem, "Register called twice") || buildDescriptor() == 0 {
		t.Fatalf("a second Register was accepted: %q", registry.problem)
	}
	resetRegistry()
	Register("p", "1.0.0",
		Define(Spec{Kind: Operator, Name: "a"}, create(&onlyProcess{})),
		Define(Spec{Kind: Operator, Name: "a"}, create(&onlyProcess{})))
	if !strings.Contains(registry.problem, `two components are named "a"`) || buildDescriptor() == 0 {
		t.Fatalf("duplicate names were accepted: %q", registry.problem)
	}
}

func TestJSONLookupFollowsTheHostRule(t *testing.T) {
	amount := NewJSONPath("amount")
	value, status := amount.Find([]byte(`{"id":1,"amount":12.5}`))
	if status != JSONOK || value.Kind != JSONNumber {
		t.Fatalf("status %d kind %d", status, value.Kind)
	}
	if number, status := value.Float64(); status != JSONOK || number != 12.5 {
		t.Fatalf("Float64: %v %d", number, status)
	}
	for text, want := range map[string]JSONStatus{
		`{"id":1}`:                      JSONMissing,
		`[1,2]`:                         JSONNotAnObject,
		`{"amount":1.}`:                 JSONMalformed, // a fraction needs a digit
		"{\"amount\":1,\"s\":\"\xff\"}": JSONOK,        // bytes after the found value are not checked
		"{\"s\":\"\xff\",\"amount\":1}": JSONMalformed, // ... but bytes before it are
	} {
		if _, status := amount.Find([]byte(text)); status != want {
			t.Errorf("%q: status %d, want %d", text, status, want)
		}
	}
	text, _ := amount.Find([]byte(`{"amount":"lots"}`))
	if _, status := text.Float64(); status != JSONWrongType {
		t.Errorf("a string read as a number: %d", status)
	}
}
