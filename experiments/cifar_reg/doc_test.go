package main

import (
	"os"
	"strings"
	"testing"
)

// The package comment lists every subcommand, and nothing that is not one.
func TestPackageCommentListsEverySubcommand(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(src), "\n") {
		if rest, ok := strings.CutPrefix(line, "//\tcifar_reg "); ok {
			name := strings.Fields(strings.NewReplacer("[", "", "]", "").Replace(rest))[0]
			listed[name] = true
		}
		if strings.HasPrefix(line, "package ") {
			break
		}
	}
	registered := map[string]bool{"version": true, "help": true} // registered by main itself
	for name := range commands {
		registered[name] = true
	}
	for name := range registered {
		if !listed[name] {
			t.Errorf("subcommand %s is not in the package comment", name)
		}
	}
	for name := range listed {
		if !registered[name] {
			t.Errorf("the package comment lists %s, which is no subcommand", name)
		}
	}
}
