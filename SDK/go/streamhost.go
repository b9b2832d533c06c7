// Package streamhost writes streamhost plugins in Go.
//
// A plugin is a Go main package built with
//
//	go build -buildmode=c-shared -o libmine.so .
//
// that registers its components in an init function:
//
//	func init() {
//		streamhost.Register("mine", "1.0.0",
//			streamhost.Define(streamhost.Spec{Kind: streamhost.Operator, Name: "mine"}, newMine))
//	}
//	func main() {}
//
// The package hides the C ABI (SDK/include/streamhost.h): it exports
// streamhost_plugin_entry, builds the descriptor, forwards the host's
// callbacks to the component's Go methods, keeps instances behind cgo
// handles and turns errors and panics into SH_ERROR with the message.
//
// Which optional callbacks the host sees is decided by the methods of the
// type a component's create function returns (Opener, WatermarkHandler,
// TimerHandler, Snapshotter, Restorer, the checkpoint handlers, Closer): a
// type without OnWatermark leaves the host's default, which forwards the
// watermark. Operators and sinks must implement Processor, sources Poller.
//
// Rules that Go adds to the ABI's (SDK/go/README.md has the long form):
//   - One Go plugin per process: each c-shared library carries its own Go
//     runtime, and two runtimes in one process are not supported by Go.
//   - Host calls are valid only inside a callback, on its goroutine (the
//     ABI's thread rule); do not hand a Context to another goroutine.
//     Wakeup is the exception.
//   - Byte slices the host lends (Record.Key, Record.Value, Timer.Key,
//     Restore's data...) point at C memory valid until the callback
//     returns; copy what you keep.
//   - A panic in a callback is recovered and fails the job with its
//     message; a panic in a goroutine of your own cannot be recovered by the
//     SDK and ends the process, as in any Go program.
package streamhost

/*
#cgo CFLAGS: -I${SRCDIR}/../include -O2
#include "bridge.h"
*/
import "C"

import (
	"fmt"
	"os"
	"reflect"
	"sync"
)

// Kind is what a component is: a source, an operator or a sink.
type Kind int32

const (
	Source   Kind = C.SH_KIND_SOURCE
	Operator Kind = C.SH_KIND_OPERATOR
	Sink     Kind = C.SH_KIND_SINK
)

// Format is a set of record formats (SH_FORMAT_* bits).
type Format uint32

const (
	// FormatBytes: key and value bytes (JSON or CSV text...).
	FormatBytes Format = C.SH_FORMAT_BYTES
	// FormatColumns: values as typed columns (an Arrow struct array).
	FormatColumns Format = C.SH_FORMAT_COLUMNS
)

// Spec describes a component, as sh_component does.
type Spec struct {
	Kind        Kind
	Name        string // unique among all loaded plugins
	Description string // one line
	// ConfigSchema is the JSON Schema of the step's config ("" for none);
	// the host validates configs against it and fills in defaults.
	ConfigSchema string
	// StateVersion is the version of the state layout (0 means 1).
	StateVersion uint32
	// InputCount is the number of inputs an operator takes (0 means 1).
	InputCount uint32
	// InputFormats and OutputFormats (0 means FormatBytes). A component
	// that declares FormatColumns reads Batch.Column; the Go SDK emits
	// bytes records or passes input rows on (EmitSelected).
	InputFormats, OutputFormats Format
	// Migrate rewrites state of an older StateVersion (nil: refuse any
	// version change). Called without an instance.
	Migrate func(m Migration) ([]byte, error)
}

// Component is a Spec with its create function, made by Define.
type Component struct {
	spec      Spec
	create    func(ctx *Context, config []byte) (any, error)
	callbacks uint32
	problem   string
}

// Define makes a component whose instances create returns. config is the
// step's config as JSON, validated against Spec.ConfigSchema, with its
// defaults; the Context's Config* methods read single values.
//
// The methods of T decide which optional callbacks the host sees, so T is
// normally a pointer type (*MyOperator) with pointer-receiver methods.
func Define[T any](spec Spec, create func(ctx *Context, config []byte) (T, error)) Component {
	component := Component{spec: spec}
	component.create = func(ctx *Context, config []byte) (any, error) {
		instance, err := create(ctx, config)
		if err != nil {
			return nil, err
		}
		return instance, nil
	}
	instanceType := reflect.TypeOf((*T)(nil)).Elem()
	component.callbacks, component.problem = callbacksOf(spec, instanceType)
	return component
}

// callbacksOf reads the optional callbacks off the methods of an instance
// type, and says what is missing for the component's kind.
func callbacksOf(spec Spec, t reflect.Type) (uint32, string) {
	implements := func(iface any) bool {
		return t.Implements(reflect.TypeOf(iface).Elem())
	}
	var callbacks uint32
	set := func(ok bool, bit uint32) {
		if ok {
			callbacks |= bit
		}
	}
	set(implements((*Opener)(nil)), C.SHGO_OPEN)
	set(implements((*Processor)(nil)), C.SHGO_PROCESS)
	set(implements((*Poller)(nil)), C.SHGO_POLL)
	set(implements((*WatermarkHandler)(nil)), C.SHGO_WATERMARK)
	set(implements((*TimerHandler)(nil)), C.SHGO_TIMER)
	set(implements((*Snapshotter)(nil)), C.SHGO_SNAPSHOT)
	set(implements((*Restorer)(nil)), C.SHGO_RESTORE)
	set(spec.Migrate != nil, C.SHGO_MIGRATE)
	set(implements((*CheckpointHandler)(nil)), C.SHGO_CHECKPOINT)
	set(implements((*CheckpointCompleter)(nil)), C.SHGO_CHECKPOINT_COMPLETE)
	set(implements((*CheckpointAborter)(nil)), C.SHGO_CHECKPOINT_ABORT)
	set(implements((*Closer)(nil)), C.SHGO_CLOSE)

	switch spec.Kind {
	case Source:
		if callbacks&C.SHGO_POLL == 0 {
			return callbacks, fmt.Sprintf("source %q: %v has no Poll method (streamhost.Poller)", spec.Name, t)
		}
	case Operator, Sink:
		if callbacks&C.SHGO_PROCESS == 0 {
			return callbacks, fmt.Sprintf("component %q: %v has no Process method (streamhost.Processor)", spec.Name, t)
		}
	default:
		return callbacks, fmt.Sprintf("component %q: Kind must be Source, Operator or Sink", spec.Name)
	}
	if spec.Name == "" {
		return callbacks, "a component has no Name"
	}
	return callbacks, ""
}

// The registered plugin: one per library.
var registry struct {
	sync.Mutex
	name, version string
	components    []Component
	registered    bool
	problem       string
}

// Register declares the plugin's name, version and components. Call it
// once, from an init function of the main package. A second call, or a
// component that cannot work (an operator without Process...), makes the
// host refuse the library when it loads it, with the reason on stderr.
func Register(name, version string, components ...Component) {
	registry.Lock()
	defer registry.Unlock()
	if registry.registered {
		registry.problem = fmt.Sprintf("streamhost.Register called twice (plugins %q and %q): one plugin per library", registry.name, name)
		return
	}
	registry.registered = true
	registry.name, registry.version, registry.components = name, version, components
	seen := map[string]bool{}
	for _, component := range components {
		if component.problem != "" && registry.problem == "" {
			registry.problem = component.problem
		}
		if seen[component.spec.Name] && registry.problem == "" {
			registry.problem = fmt.Sprintf("two components are named %q", component.spec.Name)
		}
		seen[component.spec.Name] = true
	}
}

// buildDescriptor hands the registration to the C bridge; a nonzero
// result refuses the load, after saying why (there is no ctx to report to).
func buildDescriptor() int {
	registry.Lock()
	defer registry.Unlock()
	refuse := func(reason string) int {
		fmt.Fprintf(os.Stderr, "streamhost Go plugin %q: %s\n", registry.name, reason)
		return 1
	}
	switch {
	case !registry.registered:
		return refuse("no streamhost.Register call ran (call it from an init function of the main package)")
	case registry.problem != "":
		return refuse(registry.problem)
	}
	name, version := registry.name, registry.version
	if C.sh_go_begin_descriptor(cString(name), C.size_t(len(name)), cString(version), C.size_t(len(version)),
		C.uint32_t(len(registry.components))) != 0 {
		return refuse("out of memory")
	}
	for index, component := range registry.components {
		spec := component.spec
		stateVersion := spec.StateVersion
		if stateVersion == 0 {
			stateVersion = 1
		}
		if C.sh_go_set_component(C.uint32_t(index), C.int32_t(spec.Kind),
			cString(spec.Name), C.size_t(len(spec.Name)),
			cString(spec.Description), C.size_t(len(spec.Description)),
			cString(spec.ConfigSchema), C.size_t(len(spec.ConfigSchema)),
			C.uint32_t(stateVersion), C.uint32_t(spec.InputCount), C.uint32_t(component.callbacks),
			C.uint32_t(spec.InputFormats), C.uint32_t(spec.OutputFormats)) != 0 {
			return refuse("out of memory")
		}
	}
	return 0
}

// component returns the registered component at index (the descriptor's order).
func component(index int) *Component {
	return &registry.components[index]
}

// The callback bits of bridge.h, for Go code (tests cannot use cgo).
const (
	bitOpen      = uint32(C.SHGO_OPEN)
	bitProcess   = uint32(C.SHGO_PROCESS)
	bitWatermark = uint32(C.SHGO_WATERMARK)
	bitTimer     = uint32(C.SHGO_TIMER)
	bitSnapshot  = uint32(C.SHGO_SNAPSHOT)
	bitRestore   = uint32(C.SHGO_RESTORE)
	bitMigrate   = uint32(C.SHGO_MIGRATE)
	bitClose     = uint32(C.SHGO_CLOSE)
)
