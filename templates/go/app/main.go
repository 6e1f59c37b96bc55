// The command: calls the greeter and prints what it says.
package main

import (
	"fmt"
	"os"

	"wit_component/local_{{snake}}_greeter"
)

func main() {
	name := "world"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	fmt.Println(local_{{snake}}_greeter.Greet(name))
}
