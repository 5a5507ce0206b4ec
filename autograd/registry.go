package autograd

import "sort"

// Every operation registers its name here when the package is initialised
// (the op-name variables below each ops file's imports), and records that
// name on its results. The gradient test compares this list with its table,
// so an operation without a finite-difference check fails the tests.
var registry = map[string]bool{}

// registerOp adds an operation name to the registry and returns it.
func registerOp(name string) string {
	if registry[name] {
		panic("autograd: operation " + name + " registered twice")
	}
	registry[name] = true
	return name
}

// Ops lists the names of all operations, sorted.
func Ops() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
