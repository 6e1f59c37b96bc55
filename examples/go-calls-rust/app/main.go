// A Go command that uses the Rust text kit.
package main

import (
	"fmt"
	"os"
	"strings"

	"wit_component/demo_text_textkit"
)

func main() {
	text := "the quick brown fox jumps over the lazy dog"
	if len(os.Args) > 1 {
		text = strings.Join(os.Args[1:], " ")
	}
	counts := demo_text_textkit.Count(text)
	fmt.Printf("%d words, %d lines, %d characters\n", counts.Words, counts.Lines, counts.Chars)
	fmt.Println(demo_text_textkit.TitleCase(text))
	longest := demo_text_textkit.LongestWords(text, 3)
	fmt.Printf("longest words (from Rust, printed by Go): %s\n", strings.Join(longest, ", "))
}
