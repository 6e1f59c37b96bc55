// Package export_local_{{snake}}_greeter implements local:{{name}}/greeter in Go.
package export_local_{{snake}}_greeter

// Greet greets.
func Greet(name string) string {
	return "Hello, " + name + ", from a Go component!"
}
