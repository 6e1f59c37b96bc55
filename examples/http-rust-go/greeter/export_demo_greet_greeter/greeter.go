// Package export_demo_greet_greeter implements the demo:greet/greeter interface in Go.
package export_demo_greet_greeter

import (
	"fmt"
	"strings"
	"unicode/utf8"

	. "wit_component/demo_greet_greeter"
)

// Greet builds a greeting for a person.
func Greet(who Person) Greeting {
	text := fmt.Sprintf("Hello, %s! Greetings from Go, via %s.", who.Name, strings.Join(who.Languages, " and "))
	return Greeting{
		Text:    text,
		Letters: uint32(utf8.RuneCountInString(who.Name)),
		Tags:    []string{"go", "wasip1", "component"},
	}
}

// Echo returns its argument unchanged.
func Echo(text string) string {
	return text
}
